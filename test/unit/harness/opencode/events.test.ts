// Reading opencode's native events, on streams captured from opencode 1.18 driven by the LLM stub
// (test/fixtures/opencode/*.jsonl: every event of one /event connection, one per line).
import { readFileSync } from "node:fs"
import { describe, expect, test } from "vitest"
import { type OpencodeEvent, sessionIdOf, turnError, turnStatus } from "../../../../src/harness/opencode/events.ts"

function fixture(name: string): OpencodeEvent[] {
  return readFileSync(new URL(`../../../fixtures/opencode/${name}.jsonl`, import.meta.url), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))
}

describe("opencode events", () => {
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
