// Stored JSON is re-serialised with JSON.stringify, which recurses once per level of nesting: a
// body nested a few hundred thousand levels deep parses fine, then takes seconds to overflow the
// stack. Bodies nested deeper than any real event are refused before they get that far.
export const MAX_JSON_DEPTH = 512

/** Whether `value` has arrays or objects nested more than MAX_JSON_DEPTH levels deep. */
export function nestedTooDeep(value: unknown): boolean {
  const pending: [unknown, number][] = [[value, 1]]
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, depth] = next
    if (item === null || typeof item !== "object") continue
    if (depth > MAX_JSON_DEPTH) return true
    for (const child of Object.values(item)) pending.push([child, depth + 1])
  }
  return false
}

export const TOO_DEEP = `the body is nested more than ${MAX_JSON_DEPTH} levels deep`
