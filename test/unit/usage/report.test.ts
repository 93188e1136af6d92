// Grouping the ledger (by agent, harness, model, day, with a total), --since, and dollars.
import { describe, expect, test } from "vitest"
import type { LedgerRow } from "../../../src/agents/usage/ledger.ts"
import { groupUsage } from "../../../src/agents/usage/report.ts"
import { parseSince } from "../../../src/protocol/since.ts"
import { formatUsd } from "../../../src/protocol/usage.ts"

const row = (fields: Partial<LedgerRow>): LedgerRow => ({
  agentId: "a1",
  name: "app",
  harness: "claude",
  at: "2026-12-01T10:00:00.000Z",
  prompt: "0000000000000001",
  model: "opus",
  inputTokens: 10,
  outputTokens: 5,
  cacheReadTokens: 2,
  cacheWriteTokens: 1,
  reasoningTokens: 0,
  costUsd: 0.1,
  ...fields,
})

const ROWS = [
  row({}),
  // The same turn on a second model.
  row({ model: "haiku", costUsd: 0.01 }),
  row({ prompt: "0000000000000009", at: "2026-12-02T23:59:59.000Z", costUsd: 0.2 }),
  row({ agentId: "b2", name: "api", harness: "opencode", model: undefined, at: "2026-11-30T08:00:00.000Z", costUsd: 0.4, inputTokens: 100 }),
]

describe("groupUsage", () => {
  test("by agent: each agent's turns and sums with its name and harness, the costliest first; the total counts each turn once", () => {
    const report = groupUsage(ROWS, "agent")
    expect(report.groups).toEqual([
      { key: "b2", agent: "b2", name: "api", harness: "opencode", turns: 1, inputTokens: 100, outputTokens: 5, cacheReadTokens: 2, cacheWriteTokens: 1, reasoningTokens: 0, costUsd: 0.4 },
      { key: "a1", agent: "a1", name: "app", harness: "claude", turns: 2, inputTokens: 30, outputTokens: 15, cacheReadTokens: 6, cacheWriteTokens: 3, reasoningTokens: 0, costUsd: expect.closeTo(0.31, 12) },
    ])
    expect(report.total).toEqual({ turns: 3, inputTokens: 130, outputTokens: 20, cacheReadTokens: 8, cacheWriteTokens: 4, reasoningTokens: 0, costUsd: expect.closeTo(0.71, 12) })
    expect(report.by).toBe("agent")
  })

  test("by model: a turn on two models counts in each; an unknown model is the empty key", () => {
    const { groups } = groupUsage(ROWS, "model")
    expect(groups.map((g) => [g.key, g.model, g.turns])).toEqual([
      ["", "", 1],
      ["opus", "opus", 2],
      ["haiku", "haiku", 1],
    ])
  })

  test("by harness and by day (UTC days, oldest first)", () => {
    expect(groupUsage(ROWS, "harness").groups.map((g) => [g.harness, g.turns])).toEqual([
      ["opencode", 1],
      ["claude", 2],
    ])
    expect(groupUsage(ROWS, "day").groups.map((g) => [g.day, g.turns, g.costUsd])).toEqual([
      ["2026-11-30", 1, 0.4],
      ["2026-12-01", 1, expect.closeTo(0.11, 12)],
      ["2026-12-02", 1, 0.2],
    ])
  })

  test("no entries: no groups and a total of zeros", () => {
    expect(groupUsage([], "day")).toEqual({ by: "day", groups: [], total: { turns: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0 } })
  })
})

describe("--since", () => {
  const now = new Date("2026-12-07T12:00:00.000Z")

  test("a span back from now: seconds, minutes, hours, days, weeks", () => {
    expect(parseSince("30m", now)?.toISOString()).toBe("2026-12-07T11:30:00.000Z")
    expect(parseSince("24h", now)?.toISOString()).toBe("2026-12-06T12:00:00.000Z")
    expect(parseSince("7d", now)?.toISOString()).toBe("2026-11-30T12:00:00.000Z")
    expect(parseSince("2w", now)?.toISOString()).toBe("2026-11-23T12:00:00.000Z")
    expect(parseSince("90s", now)?.toISOString()).toBe("2026-12-07T11:58:30.000Z")
  })

  test("an ISO date, or a date and time", () => {
    expect(parseSince("2026-05-01", now)?.toISOString()).toBe("2026-05-01T00:00:00.000Z")
    expect(parseSince("2026-05-01T09:30:00Z", now)?.toISOString()).toBe("2026-05-01T09:30:00.000Z")
  })

  test.each(["", "7", "d", "7 days", "yesterday", "May 1", "2026-13-45", "-7d"])("%j is none of them", (value) => {
    expect(parseSince(value, now)).toBeUndefined()
  })
})

describe("formatUsd", () => {
  test.each([
    [0, "$0.00"],
    [12.345, "$12.35"],
    [1, "$1.00"],
    [0.42, "$0.42"],
    [0.0149, "$0.015"],
    [0.00014000000000000001, "$0.00014"],
    [0.0001, "$0.0001"],
    [0.1, "$0.10"],
    [0.09999, "$0.10"],
    [-0.5, "-$0.50"],
  ])("%d is %s", (amount, text) => {
    expect(formatUsd(amount)).toBe(text)
  })
})
