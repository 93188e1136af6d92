// The ledger and budgets in the agents layer, in process on SQLite stores in temp files, with a
// scripted harness standing in for claude, opencode or pi that reports a recorded turn of theirs
// (test/fixtures/<harness>). What is asserted is what a client sees: the agent's stream, the
// ledger and running total in the store, the agents' API.
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, test } from "vitest"
import type { AgentsOptions } from "../../../src/agents/agents.ts"
import { AgentError } from "../../../src/agents/errors.ts"
import { AgentStreams } from "../../../src/agents/stream.ts"
import { AGENT_EVENT, type UsageRecordedPayload } from "../../../src/protocol/agent-events.ts"
import { formatUsd } from "../../../src/protocol/usage.ts"
import type { StreamEvent } from "../../../src/streams/events.ts"
import { recordedNatives } from "../../support/fixture-streams.ts"
import { AgentsLayer } from "../../support/agents-layer.ts"
import { scratchDir } from "../../support/scratch.ts"
import { type Script, ScriptedHarness } from "../../support/scripted-harness.ts"
import { waitFor } from "../../support/wait.ts"

type Event = StreamEvent & { payload: Record<string, unknown> }

/** One daemon's agents layer on the stores in `dir`, with an agent `app`. */
class Daemon extends AgentsLayer {
  async events(): Promise<Event[]> {
    return ((await new AgentStreams(this.streams).read("agents/" + (await this.agents.get("app")).id, undefined)) ?? []) as Event[]
  }

  /** Prompts `app` and waits for the turn's end; the prompt as stored. */
  async turn(text: string): Promise<StreamEvent> {
    const prompt = await this.agents.prompt("app", { text })
    await waitFor("the turn's end", async () => (await this.events()).some((e) => e.type === AGENT_EVENT.status && e.payload.prompt === prompt.offset && e.payload.status !== "busy"), { everyMs: 5 })
    return prompt
  }
}

const daemons: Daemon[] = []
afterEach(async () => {
  for (const daemon of daemons.splice(0).reverse()) await daemon.close().catch(() => {})
})

/** A harness that reports the recorded turn `fixture` of `name` for each prompt, then ends the turn. */
const replaying = (name: string, fixture: string, end = true): Script => ({
  prompt: (session) => {
    for (const native of recordedNatives(name, fixture)) session.events.event(native)
    if (end) session.events.turnEnded({ status: "idle" })
  },
})

async function daemon(harness: ScriptedHarness, options: Partial<AgentsOptions> = {}, dir = scratchDir("usage")): Promise<Daemon> {
  const made = new Daemon(dir, harness, options)
  daemons.push(made)
  await made.start()
  return made
}

/** A daemon with the agent `app` of the harness `name` replaying `fixture` for each prompt. */
async function withAgent(name: string, fixture: string, agent: { budgetUsd?: number | null } = {}, options: Partial<AgentsOptions> = {}) {
  const made = await daemon(new ScriptedHarness(name, replaying(name, fixture)), options)
  const directory = join(made.dir, "project")
  mkdirSync(directory)
  await made.agents.create({ harness: name, directory, name: "app", ...agent })
  return made
}

const usages = (events: Event[]) => events.filter((e) => e.type === AGENT_EVENT.usage).map((e) => e.payload as unknown as UsageRecordedPayload)

/** What the recorded claude turn `fixture` says it cost: claude's per-model figures of its result. */
function claudeCost(fixture: string): number {
  const result = (recordedNatives("claude", fixture) as Array<Record<string, any>>).find((n) => n.type === "result")!
  return Object.values(result.model_usage_since_last_result as Record<string, { costUSD: number }>).reduce((sum, m) => sum + m.costUSD, 0)
}

describe("a turn's end", () => {
  test.each([
    ["claude", "claude-opus-5-5", claudeCost("text")],
    ["opencode", "stub/stub-model", 0],
    ["pi", "stub/stub-model", 0.00002],
  ])("%s: what the harness reported is a usage event just before the idle status, the same entry in the ledger", async (harness, model, cost) => {
    const made = await withAgent(harness, "text")
    const prompt = await made.turn("say hello")
    const events = await made.events()
    const [usage] = usages(events)
    expect(usage).toEqual({ prompt: prompt.offset, model, inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: expect.closeTo(cost, 12) })
    expect(events.slice(-2).map((e) => e.type)).toEqual([AGENT_EVENT.usage, AGENT_EVENT.status])
    const { prompt: _, model: __, ...totals } = usage!
    expect((await made.agents.usage({ by: "model" })).groups).toEqual([{ key: model, model, turns: 1, ...totals }])
    expect((await made.agents.get("app")).spentUsd).toBeCloseTo(cost, 12)
  })

  test("the running total is the sum of the stream's usage events, turn after turn; the report groups them", async () => {
    const made = await withAgent("claude", "bash")
    await made.turn("one")
    await made.turn("two")
    const recorded = usages(await made.events())
    expect(recorded).toHaveLength(2)
    const agent = await made.agents.get("app")
    expect(agent.spentUsd).toBeCloseTo(recorded.reduce((sum, u) => sum + u.costUsd, 0), 12)
    expect(agent.spentUsd).toBeCloseTo(2 * claudeCost("bash"), 12)
    const report = await made.agents.usage({ by: "agent" })
    expect(report.groups).toEqual([expect.objectContaining({ key: agent.id, agent: agent.id, name: "app", harness: "claude", turns: 2, inputTokens: 40, outputTokens: 20 })])
    const sum = (field: "inputTokens" | "outputTokens" | "costUsd") => recorded.reduce((total, u) => total + u[field], 0)
    expect(report.total).toMatchObject({ turns: 2, inputTokens: sum("inputTokens"), outputTokens: sum("outputTokens"), costUsd: expect.closeTo(sum("costUsd"), 12) })
    // Nothing before the turns, everything since a moment before them.
    expect((await made.agents.usage({ by: "agent", since: new Date(Date.now() + 60_000) })).groups).toEqual([])
    expect((await made.agents.usage({ by: "model", agent: "app", since: new Date(Date.parse(agent.createdAt) - 1) })).groups).toEqual([
      expect.objectContaining({ key: "claude-opus-5-5", model: "claude-opus-5-5", turns: 2 }),
    ])
  })

  test("a turn that reported nothing spent (an API error) records nothing", async () => {
    const made = await withAgent("claude", "api-error")
    await made.turn("fail")
    expect(usages(await made.events())).toEqual([])
    expect((await made.agents.get("app")).spentUsd).toBe(0)
    expect((await made.agents.usage({ by: "agent" })).groups).toEqual([])
  })

  test("a ledger that cannot be written leaves the turn's usage out of the stream too; the turn still ends", async () => {
    const made = await withAgent("claude", "text")
    made.store.usage.record = async () => {
      throw new Error("disk I/O error")
    }
    const prompt = await made.turn("one")
    const events = await made.events()
    expect(usages(events)).toEqual([])
    expect(events.at(-1)!.payload).toEqual({ status: "idle", prompt: prompt.offset })
  })

  test("an aborted claude turn records what was spent until the interrupt", async () => {
    const made = await withAgent("claude", "abort")
    await made.turn("long")
    expect(usages(await made.events())).toEqual([expect.objectContaining({ inputTokens: 10, outputTokens: 8, costUsd: claudeCost("abort") })])
  })

  test("a turn a killed daemon left running is recorded by the next from what the stream holds of it", async () => {
    const first = await daemon(new ScriptedHarness("claude", replaying("claude", "text", false)))
    const directory = join(first.dir, "project")
    mkdirSync(directory)
    const { id } = await first.agents.create({ harness: "claude", directory, name: "app" })
    const prompt = await first.agents.prompt("app", { text: "cut short" })
    await waitFor("the turn's events on the stream", async () => (await first.events()).some((e) => e.payload?.type === "result"), { everyMs: 5 })
    first.agents.lost(id, "killed")

    const second = await daemon(new ScriptedHarness("claude"), {}, first.dir)
    await waitFor("the interruption", async () => (await second.events()).some((e) => e.type === AGENT_EVENT.status && e.payload.status === "error"), { everyMs: 5 })
    const events = await second.events()
    expect(usages(events)).toEqual([expect.objectContaining({ prompt: prompt.offset, inputTokens: 10, outputTokens: 5 })])
    expect(events.slice(-2).map((e) => e.type)).toEqual([AGENT_EVENT.usage, AGENT_EVENT.status])
    expect((await second.agents.get("app")).spentUsd).toBeCloseTo(claudeCost("text"), 12)
  })
})

describe("the ledger in the store", () => {
  test("an entry recorded twice (the same turn and model) counts once; purging the agent removes its entries, archiving keeps them", async () => {
    const made = await withAgent("claude", "text")
    const { id } = await made.agents.get("app")
    const entry: UsageRecordedPayload = { prompt: "0000000000000001", model: "m", inputTokens: 1, outputTokens: 2, cacheReadTokens: 3, cacheWriteTokens: 4, reasoningTokens: 5, costUsd: 0.5 }
    await made.store.usage.record([{ agentId: id, at: "2026-12-01T10:00:00.000Z", entries: [entry] }])
    await made.store.usage.record([{ agentId: id, at: "2026-12-01T10:00:01.000Z", entries: [entry] }])
    const { prompt: _, model: __, ...totals } = entry
    expect(await made.store.usage.report({ agentId: id }, "day")).toEqual({ by: "day", groups: [{ key: "2026-12-01", day: "2026-12-01", turns: 1, ...totals }], total: { turns: 1, ...totals } })
    expect((await made.agents.get("app")).spentUsd).toBe(0.5)
    expect((await made.store.usage.report({ since: "2026-12-01T10:00:00.001Z" }, "day")).groups).toEqual([])
    await made.agents.remove("app")
    expect((await made.store.usage.report({}, "agent")).total.turns).toBe(1)
    await made.agents.remove("app", { purge: true })
    expect((await made.store.usage.report({}, "agent")).total.turns).toBe(0)
  })
})

describe("budgets", () => {
  test("a prompt past the budget is refused, saying what was spent and how to raise it; a turn already running is not cut off; raising it lets the next prompt through", async () => {
    const cost = claudeCost("text")
    const budget = cost / 2
    const made = await withAgent("claude", "text", { budgetUsd: budget })
    expect(await made.agents.get("app")).toMatchObject({ budgetUsd: budget, spentUsd: 0 })

    // Within budget when it starts: the turn runs to its end, whatever it costs.
    const first = await made.turn("one")
    expect((await made.events()).at(-1)!.payload).toEqual({ status: "idle", prompt: first.offset })
    expect((await made.agents.get("app")).spentUsd).toBeCloseTo(cost, 12)

    const before = (await made.events()).length
    const refused = await made.agents.prompt("app", { text: "two" }).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(AgentError)
    expect(refused).toMatchObject({ code: "budget_exceeded" })
    const message = (refused as AgentError).message
    expect(message).toContain(`spent ${formatUsd(cost)} of its ${formatUsd(budget)} budget`)
    expect(message).toContain("iterate agents set app --budget-usd")
    expect(await made.events()).toHaveLength(before)

    // A prompt appended to the stream by any client meets the same refusal in the adapter.
    const { id } = await made.agents.get("app")
    const [direct] = (await new AgentStreams(made.streams).append(`agents/${id}`, [{ type: AGENT_EVENT.prompt, payload: { text: "sneaked in" } }]))!
    const error = await waitFor("the refusal", async () => (await made.events()).find((e) => e.type === AGENT_EVENT.error))
    expect(error.payload).toEqual({ message, action: direct!.offset })
    expect(made.harness.prompts.map((p) => p.text)).toEqual(["one"])
    expect(await made.store.find(id)).toMatchObject({ consumed: direct!.offset, status: "idle" })

    await made.agents.update("app", { budgetUsd: cost * 10 })
    expect(await made.agents.get("app")).toMatchObject({ budgetUsd: cost * 10 })
    await made.turn("three")
    expect(made.harness.prompts.map((p) => p.text)).toEqual(["one", "three"])
  })

  test("config's default applies to an agent made without a budget, null opts out, PATCH null removes one; a budget is dollars ≥ 0", async () => {
    const made = await withAgent("claude", "text", {}, { budgetUsd: 5 })
    expect((await made.agents.get("app")).budgetUsd).toBe(5)
    const other = join(made.dir, "other")
    mkdirSync(other)
    expect((await made.agents.create({ harness: "claude", directory: other, name: "free", budgetUsd: null })).budgetUsd).toBeUndefined()
    expect((await made.agents.update("app", { budgetUsd: null })).budgetUsd).toBeUndefined()
    await expect(made.agents.update("app", { budgetUsd: -1 })).rejects.toMatchObject({ code: "invalid_agent" })
    await expect(made.agents.create({ harness: "claude", directory: other, budgetUsd: Number.NaN })).rejects.toMatchObject({ code: "invalid_agent" })
    // A budget of 0 takes no prompt at all.
    await made.agents.update("app", { budgetUsd: 0 })
    await expect(made.agents.prompt("app", { text: "x" })).rejects.toMatchObject({ code: "budget_exceeded" })
  })
})
