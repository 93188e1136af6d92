// iterate's own events about an agent's files in the transcript every renderer shares, and as
// `iterate events` prints them: the worktree, a setup command with its output and exit, a merge,
// a revert, the worktree's removal.
import { describe, expect, test } from "vitest"
import { TranscriptPrinter } from "../../../src/cli/render.ts"
import { transcriptFor } from "../../../src/harness/transcripts.ts"
import type { AgentStreamEvent } from "../../../src/transcript/types.ts"
import { captureOutput } from "../../support/output.ts"

let n = 0
const event = (type: string, payload: unknown): AgentStreamEvent => ({ offset: String(++n).padStart(16, "0"), type, payload })

const events = [
  event("iterate:agent:worktree:created", { root: "/src/app", path: "/data/worktrees/app-1/w", branch: "iterate/w", base: "main", baseCommit: "abc" }),
  event("iterate:agent:worktree:script:started", { script: "setup", command: "bun install" }),
  event("iterate:agent:worktree:script:output", { script: "setup", text: "resolving\ninstall" }),
  event("iterate:agent:worktree:script:output", { script: "setup", text: "ed 3 packages\n" }),
  event("iterate:agent:worktree:script:ended", { script: "setup", exitCode: 0, durationMs: 1234 }),
  event("iterate:agent:action:prompt:called", { text: "add a flag" }),
  event("iterate:agent:status:changed", { status: "busy", prompt: "0000000000000006" }),
  event("iterate:agent:status:changed", { status: "idle", prompt: "0000000000000006" }),
  event("iterate:agent:files:reverted", { turn: 1, prompt: "0000000000000006", files: [{ path: "a.txt", status: "modified" }, { path: "new.txt", status: "deleted" }], backup: "refs/iterate/w/reverts/1" }),
  event("iterate:agent:worktree:merged", { branch: "iterate/w", base: "main", commit: "def", squash: false, fastForward: true, files: 2 }),
  event("iterate:agent:worktree:removed", { path: "/data/worktrees/app-1/w", branch: "iterate/w", final: "refs/iterate/w/final" }),
]

describe("an agent's files in its transcript", () => {
  test("each thing iterate did is a message of its own with one activity part; a command's output gathers in it", () => {
    const { transcript } = transcriptFor("opencode").pushAll(events)
    expect(transcript.messages.map((m) => m.role)).toEqual(["iterate", "iterate", "user", "iterate", "iterate", "iterate"])
    const parts = transcript.messages.filter((m) => m.role === "iterate").map((m) => m.parts[0])
    expect(parts).toEqual([
      { kind: "activity", id: expect.any(String), activity: "worktree", title: "worktree on branch iterate/w from main", state: "done", detail: "/data/worktrees/app-1/w" },
      { kind: "activity", id: expect.any(String), activity: "setup", title: "setup: bun install", state: "done", output: "resolving\ninstalled 3 packages\n", detail: "exit 0 after 1.2 s" },
      {
        kind: "activity",
        id: expect.any(String),
        activity: "revert",
        title: "files put back as they were at the start of turn 1 (2 files)",
        state: "done",
        detail: "reverted a.txt\nremoved new.txt",
      },
      { kind: "activity", id: expect.any(String), activity: "merge", title: "merged iterate/w into main (2 files, fast-forward)", state: "done", detail: "main is at def" },
      { kind: "activity", id: expect.any(String), activity: "removed", title: "worktree and branch iterate/w removed", state: "done", detail: "its last state is kept as refs/iterate/w/final" },
    ])
    // A reader that starts in the middle of a command still gets its output and its end.
    const late = transcriptFor("opencode").pushAll(events.slice(3, 5)).transcript
    expect(late.messages[0]!.parts[0]).toMatchObject({ activity: "setup", state: "done", output: "ed 3 packages\n" })
    // A setup the daemon's stop cut short, run again by the next daemon.
    const again = transcriptFor("opencode").pushAll([events[1]!, events[2]!, event("iterate:agent:worktree:script:started", { script: "setup", command: "bun install" }), event("iterate:agent:worktree:script:ended", { script: "setup", exitCode: 0, durationMs: 1234 })]).transcript
    expect(again.messages.map((m) => m.parts[0])).toMatchObject([
      { state: "failed", detail: "interrupted", output: "resolving\ninstall" },
      { state: "done", detail: "exit 0 after 1.2 s" },
    ])
  })

  test("iterate events prints a line when a command starts, its output line by line as it comes, and how it ended", () => {
    const lines: string[] = []
    const printer = new TranscriptPrinter({ text: () => {}, line: (line) => lines.push(line) }, captureOutput().io, true)
    const builder = transcriptFor("opencode")
    for (const e of events) {
      builder.push(e)
      printer.update(builder.transcript)
    }
    expect(lines).toEqual([
      "✓ worktree on branch iterate/w from main",
      "  /data/worktrees/app-1/w",
      "⚙ setup: bun install",
      "  resolving",
      "  installed 3 packages",
      "✓ setup: exit 0 after 1.2 s",
      "> add a flag",
      "✓ files put back as they were at the start of turn 1 (2 files)",
      "  reverted a.txt",
      "  removed new.txt",
      "✓ merged iterate/w into main (2 files, fast-forward)",
      "  main is at def",
      "✓ worktree and branch iterate/w removed",
      "  its last state is kept as refs/iterate/w/final",
    ])
    // A failed command says so.
    const failed = transcriptFor("opencode").pushAll([
      event("iterate:agent:worktree:script:started", { script: "setup", command: "false" }),
      event("iterate:agent:worktree:script:output", { script: "setup", text: "no lockfile" }),
      event("iterate:agent:worktree:script:ended", { script: "setup", exitCode: 1, durationMs: 50 }),
    ]).transcript
    const out: string[] = []
    new TranscriptPrinter({ text: () => {}, line: (line) => out.push(line) }, captureOutput().io, false).update(failed)
    expect(out).toEqual(["⚙ setup: false", "  no lockfile", "✗ setup: exit 1 after 0.1 s"])
  })
})
