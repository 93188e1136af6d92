// Reading opencode's native events, on streams captured from opencode 1.18 driven by the LLM stub
// (fixtures/*.jsonl: every event of one /event connection, one per line).
import { readFileSync } from "node:fs"
import { describe, expect, test } from "vitest"
import {
  finishedTool,
  type OpencodeEvent,
  ReplyText,
  sessionIdOf,
  turnError,
  turnStatus,
} from "../../../src/harness/opencode/events.ts"

function fixture(name: string): OpencodeEvent[] {
  return readFileSync(new URL(`fixtures/${name}.jsonl`, import.meta.url), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))
}

/** The one session a captured stream is about. */
function sessionOf(events: OpencodeEvent[]): string {
  return events.map(sessionIdOf).find(Boolean)!
}

function replyOf(events: OpencodeEvent[]): string {
  const reply = new ReplyText(sessionOf(events))
  return events.map((event) => reply.push(event)?.text ?? "").join("")
}

describe("opencode events", () => {
  test("the reply text leaves out the prompt and the reasoning, which streams the same way", () => {
    const events = fixture("text")
    const part = (e: OpencodeEvent) => e.properties?.part as { id: string; type: string } | undefined
    const reasoning = events.find((e) => part(e)?.type === "reasoning")
    const reasoningDeltas = events.filter((e) => e.type === "message.part.delta" && e.properties?.partID === part(reasoning!)!.id)
    expect(reasoningDeltas.length).toBeGreaterThan(0)
    expect(replyOf(events)).toBe("Hello there, this is the stub speaking.")
  })

  test("text around a tool call comes out once, without the tool's input", () => {
    expect(replyOf(fixture("tool"))).toBe("I wrote hello.txt.")
  })

  test("a tool call is reported once, when it has finished, with opencode's title for it", () => {
    expect(fixture("tool").map(finishedTool).filter(Boolean)).toEqual([
      { tool: "write", title: "tmp/exp/run/proj/hello.txt", failed: false },
    ])
  })

  test("text that arrives whole, without deltas, still comes out", () => {
    const whole = fixture("text").filter((e) => e.type !== "message.part.delta")
    expect(replyOf(whole)).toBe("Hello there, this is the stub speaking.")
  })

  test("events of other sessions are not part of the reply", () => {
    const reply = new ReplyText("ses_someone_else")
    expect(fixture("text").map((e) => reply.push(e)).filter(Boolean)).toEqual([])
  })

  test("a turn goes busy, then idle; server-wide events belong to no session", () => {
    const events = fixture("text")
    const statuses = events.map(turnStatus).filter(Boolean)
    expect(statuses[0]).toBe("busy")
    expect(statuses.at(-1)).toBe("idle")
    expect(sessionIdOf(events.find((e) => e.type === "server.connected")!)).toBeUndefined()
    expect(sessionIdOf(events.find((e) => e.type === "plugin.added")!)).toBeUndefined()
  })

  test("an aborted turn reports MessageAbortedError, marked as an abort, before it goes idle", () => {
    const events = fixture("abort")
    const errorAt = events.findIndex((e) => turnError(e))
    expect(turnError(events[errorAt]!)).toEqual({ name: "MessageAbortedError", message: "Aborted", aborted: true })
    expect(events.slice(errorAt).some((e) => turnStatus(e) === "idle")).toBe(true)
  })

  test("a model API error names the error with the provider's message", () => {
    const error = fixture("api-error").map(turnError).find(Boolean)
    expect(error).toEqual({ name: "APIError", message: "quota exceeded", aborted: false })
  })

  test("a retry is its own status, not the end of the turn", () => {
    const retry = { type: "session.status", properties: { sessionID: "ses_1", status: { type: "retry", attempt: 1, message: "overloaded", next: 0 } } }
    expect(turnStatus(retry)).toBe("retry")
    expect(turnStatus({ type: "session.idle", properties: { sessionID: "ses_1" } })).toBe("idle")
    expect(turnStatus({ type: "server.heartbeat", properties: {} })).toBeUndefined()
  })
})
