// The exported documents (iterate export) over transcripts folded from recorded streams.
import { describe, expect, test } from "vitest"
import { transcriptFor } from "../../../src/harness/transcripts.ts"
import { shorten } from "../../../src/transcript/describe.ts"
import { transcriptHtml } from "../../../src/transcript/html.ts"
import { fenced, transcriptMarkdown } from "../../../src/transcript/markdown.ts"
import type { Transcript } from "../../../src/transcript/types.ts"
import { recordedNatives, recordedStream, stamped, turn } from "../../support/fixture-streams.ts"

const agent = { id: "de4t3m", name: "project", harness: "opencode", directory: "/tmp/iterate-fixture/project", model: "stub/stub-model", createdAt: "2026-12-01T14:30:00.000Z" }
const opencode = () => transcriptFor("opencode").pushAll(recordedStream("opencode-permission")).transcript

/** A transcript with one tool call whose output is long and holds backticks. */
function longOutput(): Transcript {
  const t = transcriptFor("claude").pushAll(stamped(turn("claude", "run it", recordedNatives("claude", "bash")))).transcript
  const message = t.messages[1]!
  const output = ["```", ...Array.from({ length: 40 }, (_, i) => `line ${i + 1} <b>&</b>`)].join("\n")
  message.parts = message.parts.map((p) => (p.kind === "tool" ? { ...p, output } : p))
  return t
}

describe("Markdown", () => {
  test("the agent, then each prompt and its reply: tool calls, permission answers, diffs as diff blocks", () => {
    const md = transcriptMarkdown(agent, opencode())
    expect(md).toMatch(/^# project\n\n- agent de4t3m · opencode · stub\/stub-model\n- directory \/tmp\/iterate-fixture\/project\n- created 2026-12-01 14:30:00 UTC\n- tokens: 40 in, 20 out; cost \$0\.0000\n\n/)
    expect(md).toContain("## Prompt · 2026-12-01 14:30:38 UTC\n\n> write hello.txt\n\n### opencode · stub/stub-model")
    // The request is read before the call it was asked for, the call's change as a diff block.
    expect(md).toContain(
      "> **Permission** (edit): edit hello.txt — allowed once\n\n**✓ write tmp/iterate-fixture/project/hello.txt**\n\n```\nWrote file successfully.\n```\n\n`/tmp/iterate-fixture/project/hello.txt` (+1 −0)\n\n```diff\n--- /dev/null\n+++ /tmp/iterate-fixture/project/hello.txt\n@@ -0,0 +1,1 @@\n+hello\n```",
    )
    expect(md).toContain("Wrote hello.txt.\n\n## Prompt")
    expect(md).toContain("> **Permission** (bash): run `rm -rf build` — denied: keep the build folder\n\n**✗ bash rm -rf build**\n\n```json\n{\n  \"command\": \"rm -rf build\",")
    expect(md.endsWith("I will leave build alone.\n")).toBe(true)
  })

  test("a long result is shortened, and a fence is longer than any backticks inside it", () => {
    const md = transcriptMarkdown(agent, longOutput())
    expect(md).toContain("````\n```\nline 1 <b>&</b>\n")
    expect(md).toContain("line 19 <b>&</b>\n… (21 more lines)\n````")
    expect(md).not.toContain("line 20 ")
    expect(fenced("a ```` b", "txt")).toBe("`````txt\na ```` b\n`````")
  })

  test("shorten keeps short text whole and counts what it leaves out", () => {
    expect(shorten("one\ntwo\n")).toBe("one\ntwo")
    expect(shorten("a\nb\nc", 2)).toBe("a\nb\n… (1 more line)")
    expect(shorten("x".repeat(30), 20, 10)).toBe(`${"x".repeat(10)}\n… (20 more characters)`)
  })
})

describe("HTML", () => {
  test("one self-contained file: inline styles, no script, nothing fetched, everything escaped", () => {
    const html = transcriptHtml(agent, longOutput())
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/)
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`)
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|@import|url\(/i)
    expect(html).toContain("line 1 &lt;b&gt;&amp;&lt;/b&gt;")
    expect(html).not.toContain("<b>")
  })

  test("prompts, replies, tool calls that fold away, coloured diffs and permission answers, each message with its offset", () => {
    const html = transcriptHtml(agent, opencode())
    expect(html).toContain('<article class="message user" data-offset="0000000000000001"><div class="meta">Prompt · 2026-12-01 14:30:38 UTC</div><div class="text">write hello.txt</div></article>')
    expect(html).toContain("<details class=\"card tool\"><summary>✓ write tmp/iterate-fixture/project/hello.txt</summary><pre>Wrote file successfully.</pre></details>")
    expect(html).toContain('<span class="add">+hello</span>')
    expect(html).toContain("Permission (bash): run `rm -rf build` — denied: keep the build folder")
    expect(html).toContain('<div class="text">I will leave build alone.</div>')
  })
})
