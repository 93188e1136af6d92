// Minimal edits of a JSON-with-comments text: set or remove one key by changing only the characters
// of that key, so the user's comments, order, spacing and unknown keys stay as they were. A small
// scanner finds where each value lies; nothing is ever re-serialised.

export type JsonNode =
  | { kind: "object"; start: number; end: number; members: Member[] }
  | { kind: "array"; start: number; end: number }
  | { kind: "scalar"; start: number; end: number }

export interface Member {
  key: string
  /** offset of the key's opening quote */
  start: number
  value: JsonNode
  /** offset of the comma after the value, if there is one */
  comma?: number
}

export class JsoncSyntaxError extends Error {}

/** The tree of value spans of a JSONC text (comments and trailing commas allowed). */
export function scan(text: string): JsonNode {
  let at = 0
  const fail = (what: string): never => {
    throw new JsoncSyntaxError(`${what} at offset ${at}`)
  }
  const skip = () => {
    for (;;) {
      while (at < text.length && /\s/.test(text[at]!)) at++
      if (text.startsWith("//", at)) {
        const end = text.indexOf("\n", at)
        at = end < 0 ? text.length : end
      } else if (text.startsWith("/*", at)) {
        const end = text.indexOf("*/", at + 2)
        if (end < 0) fail("unterminated comment")
        at = end + 2
      } else return
    }
  }
  const string = (): string => {
    const start = at++
    while (at < text.length && text[at] !== '"') at += text[at] === "\\" ? 2 : 1
    if (at >= text.length) fail("unterminated string")
    at++
    return JSON.parse(text.slice(start, at)) as string
  }
  const value = (): JsonNode => {
    skip()
    const start = at
    const char = text[at]
    if (char === "{") {
      at++
      const members: Member[] = []
      for (;;) {
        skip()
        if (text[at] === "}") break
        if (text[at] !== '"') fail("expected a key")
        const keyStart = at
        const key = string()
        skip()
        if (text[at++] !== ":") fail("expected ':'")
        const member: Member = { key, start: keyStart, value: value() }
        members.push(member)
        skip()
        if (text[at] === ",") member.comma = at++
        else if (text[at] !== "}") fail("expected ',' or '}'")
      }
      return { kind: "object", start, end: ++at, members }
    }
    if (char === "[") {
      at++
      for (;;) {
        skip()
        if (text[at] === "]") break
        value()
        skip()
        if (text[at] === ",") at++
        else if (text[at] !== "]") fail("expected ',' or ']'")
      }
      return { kind: "array", start, end: ++at }
    }
    if (char === '"') {
      string()
      return { kind: "scalar", start, end: at }
    }
    const literal = /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(at))
    if (!literal) fail("expected a value")
    at += literal![0].length
    return { kind: "scalar", start, end: at }
  }
  const root = value()
  skip()
  if (at < text.length) fail("unexpected text after the value")
  return root
}

interface Edit {
  from: number
  to: number
  insert: string
}

/** Applies edits of the original text from the end backwards; of two at one offset, the first listed comes first. */
const apply = (text: string, edits: Edit[]) =>
  edits
    .map((edit, order) => ({ ...edit, order }))
    .sort((a, b) => b.from - a.from || b.order - a.order)
    .reduce((t, e) => t.slice(0, e.from) + e.insert + t.slice(e.to), text)

const lineStart = (text: string, at: number) => text.lastIndexOf("\n", at - 1) + 1
const blank = (s: string) => s.trim() === ""

/** The whitespace a line starts with. */
const indentAt = (text: string, at: number) => /^[ \t]*/.exec(text.slice(lineStart(text, at)))![0]

/** The indentation one level adds in this text: its first indented line's, else two spaces. */
const indentUnit = (text: string) => /^([ \t]+)\S/m.exec(text)?.[1] ?? "  "

/** After `at`: spaces, then a comment that ends on this line. */
function restOfLine(text: string, at: number): number {
  while (text[at] === " " || text[at] === "\t") at++
  if (text.startsWith("//", at)) {
    const end = text.indexOf("\n", at)
    return end < 0 ? text.length : end
  }
  if (text.startsWith("/*", at)) {
    const end = text.indexOf("*/", at)
    if (end >= 0 && !text.slice(at, end).includes("\n")) return restOfLine(text, end + 2)
  }
  return at
}

const eolOf = (text: string) => (text.includes("\r\n") ? "\r\n" : "\n")

/** `{ "a": { "b": value } }` for keys ["a", "b"]. */
const nest = (keys: string[], value: string): string =>
  keys.length ? `{ ${JSON.stringify(keys[0])}: ${nest(keys.slice(1), value)} }` : value

function insertMember(text: string, object: Extract<JsonNode, { kind: "object" }>, key: string, value: string, root: boolean): string {
  const member = `${JSON.stringify(key)}: ${value}`
  const eol = eolOf(text)
  const close = object.end - 1
  const last = object.members.at(-1)
  if (!last) {
    const inner = text.slice(object.start + 1, close)
    if (!inner.includes("\n")) {
      if (!root) return apply(text, [{ from: object.start + 1, to: close, insert: ` ${member} ` }])
      return apply(text, [{ from: object.start + 1, to: close, insert: `${eol}${indentUnit(text)}${member}${eol}` }])
    }
    const outer = indentAt(text, object.start)
    const closeLine = lineStart(text, close)
    if (blank(text.slice(closeLine, close)))
      return apply(text, [{ from: closeLine, to: closeLine, insert: `${outer}${indentUnit(text)}${member}${eol}` }])
    return apply(text, [{ from: close, to: close, insert: `${eol}${outer}${indentUnit(text)}${member}${eol}${outer}` }])
  }
  const trailing = last.comma !== undefined
  const afterValue = trailing ? last.comma! + 1 : last.value.end
  const comma: Edit[] = trailing ? [] : [{ from: last.value.end, to: last.value.end, insert: "," }]
  if (!text.slice(object.start, last.start).includes("\n")) {
    return apply(text, [...comma, { from: afterValue, to: afterValue, insert: ` ${member}${trailing ? "," : ""}` }])
  }
  const keyLine = lineStart(text, last.start)
  const indent = blank(text.slice(keyLine, last.start)) ? text.slice(keyLine, last.start) : indentAt(text, last.start) + indentUnit(text)
  const at = restOfLine(text, afterValue)
  return apply(text, [...comma, { from: at, to: at, insert: `${eol}${indent}${member}${trailing ? "," : ""}` }])
}

/** The member chain of `path`; stops at the first key that is not there. */
function walk(root: JsonNode, path: string[]): { found: Member[]; parent: JsonNode } {
  const found: Member[] = []
  let node = root
  for (const key of path) {
    if (node.kind !== "object") break
    // JSON.parse keeps the last of duplicate keys, so that is the one that counts.
    const member = node.members.findLast((m) => m.key === key)
    if (!member) break
    found.push(member)
    node = member.value
  }
  return { found, parent: found.length ? found.at(-1)!.value : root }
}

/** `text` with the value at `path` set to `value` (JSON text), adding the objects on the way. */
export function setKey(text: string, path: string[], value: string): string {
  const root = scan(text)
  if (root.kind !== "object") throw new JsoncSyntaxError("the file does not hold an object")
  const { found, parent } = walk(root, path)
  if (found.length === path.length) {
    const target = found.at(-1)!.value
    return apply(text, [{ from: target.start, to: target.end, insert: value }])
  }
  const rest = path.slice(found.length)
  if (parent.kind !== "object") return apply(text, [{ from: parent.start, to: parent.end, insert: nest(rest, value) }])
  return insertMember(text, parent, rest[0]!, nest(rest.slice(1), value), found.length === 0)
}

/**
 * `text` without the key at `path` (undefined when it is not there). A key on a line of its own
 * goes with its line and its same-line comment; objects it leaves empty (and comment-free) go too.
 */
export function removeKey(text: string, path: string[]): string | undefined {
  const root = scan(text)
  const { found } = walk(root, path)
  if (found.length !== path.length || path.length === 0) return undefined
  const member = found.at(-1)!
  const object = (found.length > 1 ? found.at(-2)!.value : root) as Extract<JsonNode, { kind: "object" }>
  const index = object.members.indexOf(member)
  const previous = object.members[index - 1]
  const isLast = index === object.members.length - 1
  const end = member.comma !== undefined ? member.comma + 1 : member.value.end
  const keyLine = lineStart(text, member.start)
  const edits: Edit[] = []
  const afterLine = restOfLine(text, end)
  const ownLine = blank(text.slice(keyLine, member.start)) && /^\r?\n/.test(text.slice(afterLine))
  if (ownLine) {
    edits.push({ from: keyLine, to: afterLine + (text[afterLine] === "\r" ? 2 : 1), insert: "" })
    if (isLast && member.comma === undefined && previous?.comma !== undefined)
      edits.push({ from: previous.comma, to: previous.comma + 1, insert: "" })
  } else if (isLast && member.comma === undefined && previous?.comma !== undefined) {
    edits.push({ from: previous.comma, to: member.value.end, insert: "" })
  } else {
    let to = end
    while (text[to] === " " || text[to] === "\t") to++
    edits.push({ from: member.start, to, insert: "" })
  }
  const result = apply(text, edits)
  if (found.length > 1) {
    const container = walk(scan(result), path.slice(0, -1)).parent
    if (container.kind === "object" && container.members.length === 0 && blank(result.slice(container.start + 1, container.end - 1)))
      return removeKey(result, path.slice(0, -1))
  }
  return result
}
