// The searchable text of transcripts folded from recorded streams of each harness: one document
// per part, at the offset `events --offset` opens its message at.
import { describe, expect, test } from "vitest"
import { documentsOf, MAX_TEXT, openingOffset } from "../../../src/agents/archive/documents.ts"
import { transcriptFor } from "../../../src/harness/transcripts.ts"
import { recordedNatives, recordedStream, stamped, turn } from "../../support/fixture-streams.ts"

const fold = (harness: string, events: Parameters<ReturnType<typeof transcriptFor>["pushAll"]>[0]) => transcriptFor(harness).pushAll(events).transcript
const kindsAndText = (harness: string, fixture: string) =>
  documentsOf(fold(harness, stamped(turn(harness, `prompt for ${fixture}`, recordedNatives(harness, fixture)))).messages, "now").map((d): [string, string] => [d.kind, d.text])

describe("documents of a transcript", () => {
  test("opencode: the prompt, the tool call with its path, input and output, the permission, the diff, the reply", () => {
    const events = recordedStream("opencode-permission")
    const documents = documentsOf(fold("opencode", events).messages, "now")
    expect(documents.map((d) => d.kind)).toEqual(["prompt", "tool", "permission", "file", "reply", "prompt", "tool", "permission", "reply"])
    const [prompt, write, permission, file, reply] = documents
    expect(prompt).toEqual({ key: "prompt:0000000000000001/prompt:0000000000000001:text", kind: "prompt", offset: "0000000000000000", createdAt: events[0]!.createdAt, text: "write hello.txt" })
    expect(write!.text).toBe("write\ntmp/iterate-fixture/project/hello.txt\n/tmp/iterate-fixture/project/hello.txt\nhello\n\nWrote file successfully.")
    expect(permission!.text).toBe("edit\nedit hello.txt")
    expect(file!.text).toMatch(/^\/tmp\/iterate-fixture\/project\/hello\.txt\n--- \/dev\/null\n/)
    expect(reply!.text).toBe("Wrote hello.txt.")
    // The denied command, its permission with the reason given.
    expect(documents[6]!.text).toMatch(/^bash\nrm -rf build\nClean\nThe user rejected permission/)
    expect(documents[7]!.text).toBe("bash\nrun `rm -rf build`\nkeep the build folder")
  })

  test("each message's documents open where the event that began it is the first read", () => {
    const events = recordedStream("opencode-permission")
    const transcript = fold("opencode", events)
    for (const message of transcript.messages) {
      const opening = openingOffset(message)
      const first = events.find((e) => e.offset > opening)!
      expect(first.offset).toBe(message.offset)
      // Folding from there alone shows the message again, with the same text.
      const again = fold("opencode", events.filter((e) => e.offset > opening)).messages.find((m) => m.id === message.id)
      expect(again?.parts.filter((p) => p.kind === "text")).toEqual(message.parts.filter((p) => p.kind === "text"))
    }
  })

  test("Claude Code: thinking, replies, Bash commands and output, edits with their diffs", () => {
    expect(kindsAndText("claude", "text")).toEqual([
      ["prompt", "prompt for text"],
      ["thought", "The user wants a greeting."],
      ["reply", "Hello there, this is the stub speaking."],
    ])
    expect(kindsAndText("claude", "bash")).toEqual([
      ["prompt", "prompt for bash"],
      ["tool", "Bash\nwrite and show out.txt\necho hello > out.txt && cat out.txt\nhello"],
      ["reply", "Ran it."],
    ])
    const edit = kindsAndText("claude", "edit")
    expect(edit.filter(([kind]) => kind === "file").map(([, text]) => text.split("\n")[0])).toEqual(["notes.txt", "notes.txt"])
    expect(edit.find(([kind, text]) => kind === "file" && text.includes("+2"))).toBeDefined()
  })

  test("Pi: the edit tool's input and result, and the diff", () => {
    const edit = kindsAndText("pi", "edit")
    expect(edit.map(([kind]) => kind)).toEqual(["prompt", "tool", "file", "reply"])
    expect(edit[1]![1]).toContain("Successfully replaced 2 block(s) in greet.txt.")
    expect(edit[2]![1]).toContain("+hello from the stub")
  })

  test("a huge tool output is cut; NUL characters and empty parts are left out", () => {
    const message = {
      id: "m",
      role: "assistant" as const,
      offset: "0000000000000005",
      parts: [
        { kind: "tool" as const, id: "t", tool: "bash", title: "cat big", status: "completed" as const, output: "x".repeat(MAX_TEXT * 2) },
        { kind: "text" as const, id: "a", text: "nul\0here" },
        { kind: "text" as const, id: "b", text: "  \n" },
      ],
    }
    const documents = documentsOf([message], "2026-01-01T00:00:00.000Z")
    expect(documents.map((d) => [d.kind, d.text.length, d.offset, d.createdAt])).toEqual([
      ["tool", MAX_TEXT, "0000000000000004", "2026-01-01T00:00:00.000Z"],
      ["reply", 7, "0000000000000004", "2026-01-01T00:00:00.000Z"],
    ])
  })
})
