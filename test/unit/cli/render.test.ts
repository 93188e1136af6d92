// The CLI's printer over transcripts folded from recorded agent streams (test/fixtures/streams),
// in process: what `run`/`prompt` print of a reply, and the readable transcript of `iterate events`.
import { readFileSync } from "node:fs"
import { describe, expect, test } from "vitest"
import { TranscriptPrinter } from "../../../src/cli/render.ts"
import { usageLine } from "../../../src/transcript/describe.ts"
import { transcriptFor } from "../../../src/harness/transcripts.ts"
import type { AgentStreamEvent } from "../../../src/transcript/types.ts"
import { captureOutput } from "../../support/output.ts"

const recorded = (name: string): AgentStreamEvent[] =>
  readFileSync(new URL(`../../fixtures/streams/${name}.jsonl`, import.meta.url), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))

/** Prints the events folded one batch at a time, as a live read delivers them; text and lines kept apart. */
function print(events: AgentStreamEvent[], full: boolean, batch = 1) {
  const output = { text: "", lines: [] as string[], all: "" }
  const printer = new TranscriptPrinter(
    {
      text: (chunk) => ((output.text += chunk), (output.all += chunk)),
      line: (line) => (output.lines.push(line), (output.all += `${line}\n`)),
    },
    captureOutput().io,
    full,
  )
  const builder = transcriptFor("opencode")
  for (let i = 0; i < events.length; i += batch) {
    builder.pushAll(events.slice(i, i + batch))
    printer.update(builder.transcript)
  }
  printer.endLine()
  return { ...output, usage: usageLine(builder.transcript.usage) }
}

describe("the printer", () => {
  const events = recorded("opencode-permission")

  test("a reply streams its text; each tool call is one line once it is over, after the answer to its request", () => {
    const { text, lines } = print(events, false)
    expect(text).toBe("Wrote hello.txt.\nI will leave build alone.\n")
    expect(lines).toEqual([
      "✓ allowed: edit hello.txt",
      "✓ write tmp/iterate-fixture/project/hello.txt (+1 −0)",
      "✗ denied: run `rm -rf build` — keep the build folder",
      expect.stringMatching(/^✗ bash rm -rf build: The user rejected permission .* keep the build folder$/),
    ])
  })

  test("the whole transcript reads the same live and at once: prompts, requests, answers, diffs, usage", () => {
    const live = print(events, true)
    expect(print(events, true, events.length).all).toBe(live.all)
    expect(live.all.split("\n").slice(0, 9)).toEqual([
      "> write hello.txt",
      expect.stringMatching(/^\? edit hello\.txt — asks for permission \(perm_\w+\)$/),
      "✓ allowed: edit hello.txt",
      "✓ write tmp/iterate-fixture/project/hello.txt (+1 −0)",
      "  --- /dev/null",
      "  +++ /tmp/iterate-fixture/project/hello.txt",
      "  @@ -0,0 +1,1 @@",
      "  +hello",
      "Wrote hello.txt.",
    ])
    expect(live.all).toContain("> clean up\n? run `rm -rf build` — asks for permission")
    expect(live.usage).toMatch(/^tokens: \d+ in, \d+ out; cost \$0\.0000$/)
  })

  test("an edit's diff is shown without opencode's Index header", () => {
    const { all } = print(recorded("opencode-edit"), true)
    expect(all).toContain("✓ allowed: edit notes.md (by the agent's policy)\n✓ edit tmp/iterate-fixture/project/notes.md (+2 −1)\n  --- /tmp/iterate-fixture/project/notes.md\n")
    expect(all).not.toContain("Index:")
  })
})
