// The one way src/ reads JSON of unknown shape.
import { expect, test } from "vitest"
import { dict, list, num, str } from "../../../src/protocol/json.ts"

test("each reader gives the value of its type and nothing else", () => {
  const parsed = JSON.parse('{"o":{"a":1},"a":[1,"x"],"s":"","n":0,"z":null,"b":true}')
  expect([dict(parsed.o), dict(parsed.a), dict(parsed.z), dict(parsed.s), dict(undefined)]).toEqual([{ a: 1 }, undefined, undefined, undefined, undefined])
  expect([str(parsed.s), str(parsed.n), str(parsed.o)]).toEqual(["", undefined, undefined])
  expect([num(parsed.n), num(parsed.s), num(parsed.b)]).toEqual([0, undefined, undefined])
  expect([list(parsed.a), list(parsed.o), list(undefined)]).toEqual([[1, "x"], [], []])
  expect(str(dict(dict(parsed)?.o)?.missing)).toBeUndefined()
})
