// Subscription patterns match stream names segment by segment: `*` is any one segment, `**` any
// number of them (none included), anything else itself.

export function globMatches(pattern: string, name: string): boolean {
  return matchFrom(pattern.split("/"), 0, name.split("/"), 0)
}

function matchFrom(pattern: string[], p: number, name: string[], n: number): boolean {
  for (; p < pattern.length; p++, n++) {
    const segment = pattern[p]!
    if (segment === "**") {
      for (let rest = n; rest <= name.length; rest++) if (matchFrom(pattern, p + 1, name, rest)) return true
      return false
    }
    if (n >= name.length || (segment !== "*" && segment !== name[n])) return false
  }
  return n === name.length
}
