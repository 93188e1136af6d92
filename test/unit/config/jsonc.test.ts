// The JSONC editor on its own: each edit changes only the characters of its key.
import { expect, test } from "vitest"
import { JsoncSyntaxError, removeKey, scan, setKey } from "../../../src/config/jsonc.ts"

const userFile = `// my settings
{
  // the opencode I build myself
  "harnesses": { "opencode": { "binary": "/opt/opencode" } }, // keep this
  "theme": "dark", /* mine */
  "numbers": [1, 2, { "x": "}" }]
}
`

test("replacing a value touches only the value", () => {
  expect(setKey(userFile, ["theme"], '"light"')).toBe(userFile.replace('"dark"', '"light"'))
  expect(setKey(userFile, ["harnesses", "opencode", "binary"], '"/usr/bin/opencode"')).toBe(
    userFile.replace("/opt/opencode", "/usr/bin/opencode"),
  )
})

test("a new key goes after the last one, on its own line with the same indentation, and a comma is added", () => {
  expect(setKey(userFile, ["store"], '"postgres://db/iterate"')).toBe(
    userFile.replace('{ "x": "}" }]\n', '{ "x": "}" }],\n  "store": "postgres://db/iterate"\n'),
  )
})

test("a new nested key goes into the innermost object that exists; missing ones are written inline", () => {
  const withClaude = setKey(userFile, ["harnesses", "claude", "binary"], '"/c"')
  expect(withClaude).toBe(userFile.replace('"/opt/opencode" } }', '"/opt/opencode" }, "claude": { "binary": "/c" } }'))
  const withWeb = setKey(userFile, ["web", "roots"], '["/src"]')
  expect(Bun.JSONC.parse(withWeb)).toMatchObject({ web: { roots: ["/src"] }, theme: "dark" })
  expect(withWeb).toContain('\n  "web": { "roots": ["/src"] }\n}')
})

test("trailing commas, tabs and CRLF line ends are kept as the file has them", () => {
  const tabs = '{\r\n\t"a": 1,\r\n}\r\n'
  expect(setKey(tabs, ["b"], "2")).toBe('{\r\n\t"a": 1,\r\n\t"b": 2,\r\n}\r\n')
  expect(removeKey('{\r\n\t"a": 1,\r\n\t"b": 2,\r\n}\r\n', ["b"])).toBe(tabs)
})

test("an empty file object gets its first key on its own line; an inline one inline", () => {
  expect(setKey("{}", ["a"], "1")).toBe('{\n  "a": 1\n}')
  expect(setKey('{ "h": {} }', ["h", "a"], "1")).toBe('{ "h": { "a": 1 } }')
  expect(setKey('{\n  "h": {\n  }\n}', ["h", "a"], "1")).toBe('{\n  "h": {\n    "a": 1\n  }\n}')
})

test("a scalar where an object is needed is replaced by the object", () => {
  expect(setKey('{ "harnesses": "none" }', ["harnesses", "pi", "binary"], '"/p"')).toBe('{ "harnesses": { "pi": { "binary": "/p" } } }')
})

test("removing a key on its own line takes the line and its same-line comment, and fixes the comma before it", () => {
  const text = '{\n  // about a\n  "a": 1,\n  "b": 2 // about b\n}\n'
  expect(removeKey(text, ["b"])).toBe('{\n  // about a\n  "a": 1\n}\n')
  expect(removeKey(text, ["a"])).toBe('{\n  // about a\n  "b": 2 // about b\n}\n')
})

test("removing an inline key leaves the others and their commas right", () => {
  expect(removeKey('{ "a": 1, "b": 2, "c": 3 }', ["b"])).toBe('{ "a": 1, "c": 3 }')
  expect(removeKey('{ "a": 1, "b": 2 }', ["b"])).toBe('{ "a": 1 }')
  expect(removeKey('{ "a": 1, "b": 2, }', ["b"])).toBe('{ "a": 1, }')
})

test("objects a removal leaves empty go too, unless they hold a comment", () => {
  expect(removeKey(userFile, ["harnesses", "opencode", "binary"])).toBe(userFile.replace(/ {2}\/\/ the opencode I build myself\n.*\n/, "  // the opencode I build myself\n"))
  const commented = '{ "h": { /* later */ "a": 1 }, "t": 1 }'
  expect(removeKey(commented, ["h", "a"])).toBe('{ "h": { /* later */ }, "t": 1 }')
})

test("a key that is not there is reported, not invented", () => {
  expect(removeKey(userFile, ["harnesses", "pi"])).toBeUndefined()
  expect(removeKey(userFile, ["theme", "deeper"])).toBeUndefined()
})

test("the last of duplicate keys is the one edited, as JSON.parse reads it", () => {
  expect(setKey('{ "a": 1, "a": 2 }', ["a"], "3")).toBe('{ "a": 1, "a": 3 }')
})

test("the scanner refuses what is not JSON with comments", () => {
  for (const bad of ['{ "a": }', '{ "a": 1 "b": 2 }', '{ "a": 1 } x', "{ /* open", '{ "a: 1 }'])
    expect(() => scan(bad), bad).toThrow(JsoncSyntaxError)
  expect(scan(userFile).kind).toBe("object")
})
