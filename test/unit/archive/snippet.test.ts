// The window of a matched text a hit shows, and where the matches are in it.
import { describe, expect, test } from "vitest"
import { parseQuery } from "../../../src/agents/archive/query.ts"
import { snippet } from "../../../src/agents/archive/snippet.ts"
import { marked as markedHit } from "../../../src/cli/search.ts"

/** The snippet as `iterate search` prints it in a pipe. */
const marked = (text: string, query: string, width?: number) => {
  const s = snippet(text, parseQuery(query), width)
  return markedHit({ snippet: s.text, highlights: s.highlights }, (match) => `«${match}»`)
}

describe("snippets", () => {
  test("a short text whole, on one line, each match marked whatever its case or accents", () => {
    expect(marked("The Retry loop\n  is flaky: retry it.", "retry")).toBe("The «Retry» loop is flaky: «retry» it.")
    expect(marked("un café crème", "cafe")).toBe("un «café» crème")
  })

  test("a long text: a window around the place where most terms are close, cut at words, with ellipses", () => {
    const text = `${"filler ".repeat(60)}the flaky test here ${"more ".repeat(30)}and the retry logic of the flaky test ${"tail ".repeat(60)}`
    const s = marked(text, "flaky retry", 80)
    expect(s).toMatch(/^….*«retry» logic of the «flaky» test.*…$/)
    expect(s.length).toBeLessThan(100)
  })

  test("phrases and prefixes mark the whole run of words; overlapping terms make one mark", () => {
    expect(marked("edited src/app/main.ts and src/app/other.ts", "src/app/main.ts")).toBe("edited «src/app/main.ts» and src/app/other.ts")
    expect(marked("retrying the retries", "retr*")).toBe("«retrying» the «retries»")
    expect(marked("a retry", "retry retr*")).toBe("a «retry»")
  })

  test("no match in the text: its beginning", () => {
    expect(marked("nothing to see here", "absent")).toBe("nothing to see here")
  })
})
