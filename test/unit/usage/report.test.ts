// Reports of the ledger (by agent, harness, model, day, with a total; one agent's, since a moment)
// summed by the SQLite store, --since, and dollars. (The same statements run on PostgreSQL in
// test/e2e/usage.)
import { join } from "node:path"
import { beforeAll, describe, expect, test } from "vitest"
import { SqliteAgentStore } from "../../../src/agents/sqlite-store.ts"
import { parseSince } from "../../../src/protocol/since.ts"
import { formatUsd } from "../../../src/protocol/usage.ts"
import { scratchDir } from "../../support/scratch.ts"

const entry = (prompt: string, fields: { model?: string; inputTokens?: number; costUsd?: number } = {}) => ({
  prompt,
  model: "opus",
  inputTokens: 10,
  outputTokens: 5,
  cacheReadTokens: 2,
  cacheWriteTokens: 1,
  reasoningTokens: 0,
  costUsd: 0.1,
  ...fields,
})

let store: SqliteAgentStore

beforeAll(async () => {
  store = new SqliteAgentStore(join(scratchDir("report"), "agents.db"))
  const agent = { directory: "/src", model: undefined, createdAt: "2026-11-01T00:00:00.000Z", permissions: "ask" as const }
  await store.insert({ id: "a1", name: "app", harness: "claude", stream: "agents/a1", ...agent })
  await store.insert({ id: "b2", name: "api", harness: "opencode", stream: "agents/b2", ...agent })
  // A turn on two models, another turn a day later, and an opencode turn on no model it named.
  await store.usage.record([{ agentId: "a1", at: "2026-12-01T10:00:00.000Z", entries: [entry("0000000000000001"), entry("0000000000000001", { model: "haiku", costUsd: 0.01 })] }])
  await store.usage.record([{ agentId: "a1", at: "2026-12-02T23:59:59.000Z", entries: [entry("0000000000000009", { costUsd: 0.2 })] }])
  const { model: _, ...noModel } = entry("0000000000000001", { inputTokens: 100, costUsd: 0.4 })
  await store.usage.record([{ agentId: "b2", at: "2026-11-30T08:00:00.000Z", entries: [noModel] }])
  return () => store.close()
})

describe("reports", () => {
  test("by agent: each agent's turns and sums with its name and harness, the costliest first; the total counts each turn once", async () => {
    const report = await store.usage.report({}, "agent")
    expect(report.groups).toEqual([
      { key: "b2", agent: "b2", name: "api", harness: "opencode", turns: 1, inputTokens: 100, outputTokens: 5, cacheReadTokens: 2, cacheWriteTokens: 1, reasoningTokens: 0, costUsd: 0.4 },
      { key: "a1", agent: "a1", name: "app", harness: "claude", turns: 2, inputTokens: 30, outputTokens: 15, cacheReadTokens: 6, cacheWriteTokens: 3, reasoningTokens: 0, costUsd: expect.closeTo(0.31, 12) },
    ])
    expect(report.total).toEqual({ turns: 3, inputTokens: 130, outputTokens: 20, cacheReadTokens: 8, cacheWriteTokens: 4, reasoningTokens: 0, costUsd: expect.closeTo(0.71, 12) })
    expect(report.by).toBe("agent")
  })

  test("by model: a turn on two models counts in each; a model the harness named none of is the empty key", async () => {
    const { groups } = await store.usage.report({}, "model")
    expect(groups.map((g) => [g.key, g.model, g.turns])).toEqual([
      ["", "", 1],
      ["opus", "opus", 2],
      ["haiku", "haiku", 1],
    ])
  })

  test("by harness, and by day (UTC days, oldest first)", async () => {
    expect((await store.usage.report({}, "harness")).groups.map((g) => [g.harness, g.turns])).toEqual([
      ["opencode", 1],
      ["claude", 2],
    ])
    expect((await store.usage.report({}, "day")).groups.map((g) => [g.day, g.turns, g.costUsd])).toEqual([
      ["2026-11-30", 1, 0.4],
      ["2026-12-01", 1, expect.closeTo(0.11, 12)],
      ["2026-12-02", 1, 0.2],
    ])
  })

  test("one agent's, and since a moment: the entries recorded at or after it", async () => {
    expect((await store.usage.report({ agentId: "a1", since: "2026-12-01T10:00:00.000Z" }, "day")).total.turns).toBe(2)
    expect((await store.usage.report({ agentId: "a1", since: "2026-12-01T10:00:00.001Z" }, "day")).groups.map((g) => g.day)).toEqual(["2026-12-02"])
    expect((await store.usage.report({ since: "2026-12-01" }, "agent")).groups.map((g) => g.name)).toEqual(["app"])
  })

  test("nothing kept: no groups and a total of zeros", async () => {
    expect(await store.usage.report({ agentId: "nobody" }, "day")).toEqual({
      by: "day",
      groups: [],
      total: { turns: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0 },
    })
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
