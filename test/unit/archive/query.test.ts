// How a search query and the indexed text are cut into words, and the forms each store is asked in.
// (--since, which search shares with usage, is tested with usage: test/unit/usage/report.test.ts.)
import { describe, expect, test } from "vitest"
import { ftsMatch, parseQuery, tsQuery, tsVector, wordsOf } from "../../../src/agents/archive/query.ts"

describe("words", () => {
  test("runs of letters and digits, lower case, accents dropped, with where each is", () => {
    expect([...wordsOf("Fix src/app/Retry.ts — café x86!")]).toEqual([
      { word: "fix", start: 0, end: 3 },
      { word: "src", start: 4, end: 7 },
      { word: "app", start: 8, end: 11 },
      { word: "retry", start: 12, end: 17 },
      { word: "ts", start: 18, end: 20 },
      { word: "cafe", start: 23, end: 27 },
      { word: "x86", start: 28, end: 31 },
    ])
  })

  test("a query: words, quoted phrases, a path as the phrase of its parts, * for a prefix", () => {
    expect(parseQuery(`flaky "retry loop" src/app.ts retr* "two wor"*`)).toEqual([
      { words: ["flaky"], prefix: false },
      { words: ["retry", "loop"], prefix: false },
      { words: ["src", "app", "ts"], prefix: false },
      { words: ["retr"], prefix: true },
      { words: ["two", "wor"], prefix: true },
    ])
    expect(parseQuery(`  -- "" *  `)).toEqual([])
  })

  test("FTS5 gets quoted phrases joined by AND; nothing in a word can break out of its quotes", () => {
    expect(ftsMatch(parseQuery(`flaky retr* src/app.ts AND"`))).toBe(`"flaky" AND "retr" * AND "src app ts" AND "and"`)
  })

  test("PostgreSQL gets a tsquery of phrases (<->) joined by &, prefixes as :*", () => {
    expect(tsQuery(parseQuery(`flaky src/app.ts retr*`))).toBe(`('flaky') & ('src' <-> 'app' <-> 'ts') & ('retr':*)`)
  })

  test("the tsvector literal has each word once with its positions; giant words are left out", () => {
    expect(tsVector("retry the retry; src/app.ts")).toBe(`'retry':1,3 'the':2 'src':4 'app':5 'ts':6`)
    expect(tsVector(`${"a".repeat(300)} b`)).toBe(`'b':2`)
    expect(tsVector("")).toBe("")
  })
})
