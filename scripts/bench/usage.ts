// The token ledger's costs. Folding: a turn's native events go through the harness's reducer as
// the adapter appends them (src/agents/usage/turn.ts) — microseconds per event, and what ending a
// turn adds. At scale: 100,000 ledger entries of 100 agents, on SQLite and on PostgreSQL (a
// throwaway local cluster, test/support/postgres.ts): recording a turn, listing the agents with
// their spend, and `iterate usage` reports. In process, no binary. Run with `bun run bench usage`.
import { Database } from "bun:sqlite"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PostgresAgentStore } from "../../src/agents/postgres-store.ts"
import { SqliteAgentStore } from "../../src/agents/sqlite-store.ts"
import type { AgentStore } from "../../src/agents/store.ts"
import { TurnUsage } from "../../src/agents/usage/turn.ts"
import { connectPostgres } from "../../src/storage/postgres.ts"
import { PostgresStreamStore } from "../../src/streams/postgres/store.ts"
import { startCluster } from "../../test/support/postgres.ts"
import { percentile, ROOT } from "./_support.ts"

const natives = (harness: string, fixture: string): unknown[] =>
  readFileSync(join(ROOT, "test", "fixtures", harness, `${fixture}.jsonl`), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))

/** A claude turn with a long reply: the recorded one with its streamed text repeated `times`. */
function longClaudeTurn(times: number): unknown[] {
  const turn = natives("claude", "text") as Array<Record<string, any>>
  const delta = turn.find((n) => n.type === "stream_event" && n.event?.type === "content_block_delta" && n.event.delta?.type === "text_delta")!
  const at = turn.indexOf(delta)
  return [...turn.slice(0, at), ...Array.from({ length: times }, () => delta), ...turn.slice(at + 1)]
}

const fmt = (n: number, digits = 1) => n.toFixed(digits)

function fold(harness: string, events: unknown[], rounds: number): { perEvent: number; end: number } {
  const pushes: number[] = []
  const ends: number[] = []
  for (let round = 0; round < rounds; round++) {
    const usage = new TurnUsage(harness)
    const started = performance.now()
    for (const event of events) usage.push(event)
    pushes.push(((performance.now() - started) * 1000) / events.length)
    const ending = performance.now()
    if (usage.entries("0000000000000001", undefined).length === 0) throw new Error(`${harness}: the turn recorded nothing`)
    ends.push((performance.now() - ending) * 1000)
  }
  return { perEvent: percentile(pushes, 50), end: percentile(ends, 50) }
}

console.log("\n### Folding a turn for the ledger (per event as it is appended; what the turn's end adds)\n")
console.log("| turn | events | µs per event, p50 | turn end, µs p50 |")
console.log("| --- | ---: | ---: | ---: |")
for (const [label, harness, events] of [
  ["claude, recorded text reply", "claude", natives("claude", "text")],
  ["claude, recorded tool turn", "claude", natives("claude", "bash")],
  ["opencode, recorded tool turn", "opencode", natives("opencode", "tool")],
  ["pi, recorded tool turn", "pi", natives("pi", "bash")],
  ["claude, a 10,000-delta reply", "claude", longClaudeTurn(10_000)],
] as const) {
  const { perEvent, end } = fold(harness, events as unknown[], 200)
  console.log(`| ${label} | ${events.length} | ${fmt(perEvent, 2)} | ${fmt(end)} |`)
}

const AGENTS = 100
const TURNS = 1_000
const DAY = 86_400_000
const now = Date.now()

/** 100 agents of 1,000 turns each over the last 30 days, written straight into the ledger's tables. */
async function fill(store: AgentStore, insert: (rows: Array<[string, string, string, number, number]>) => Promise<void>): Promise<string[]> {
  const ids: string[] = []
  for (let a = 0; a < AGENTS; a++) {
    const id = `a${String(a).padStart(5, "0")}`
    await store.insert({ id, name: `agent-${a}`, harness: ["claude", "opencode", "pi"][a % 3]!, directory: "/tmp", model: undefined, stream: `agents/${id}`, createdAt: new Date(now - 31 * DAY).toISOString(), permissions: "ask" })
    ids.push(id)
    const rows: Array<[string, string, string, number, number]> = []
    for (let t = 0; t < TURNS; t++) rows.push([id, String(t + 1).padStart(16, "0"), new Date(now - 30 * DAY + (t * 30 * DAY) / TURNS).toISOString(), 1000 + t, 0.001 * (t % 7)])
    await insert(rows)
  }
  return ids
}

async function timed(runs: number, work: (n: number) => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const times: number[] = []
  for (let n = 0; n < runs; n++) {
    const started = performance.now()
    await work(n)
    times.push(performance.now() - started)
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95) }
}

async function measure(store: AgentStore, ids: string[]): Promise<Array<[string, string]>> {
  const turn = (n: number) => [{ prompt: `x${String(n).padStart(15, "0")}`, model: "m", inputTokens: 100, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0.01 }]
  const record = await timed(200, (n) => store.usage.record([{ agentId: ids[n % ids.length]!, at: new Date().toISOString(), entries: turn(n) }]))
  const list = await timed(50, () => store.list())
  const all = await timed(20, () => store.usage.report({}, "agent"))
  const week = await timed(20, () => store.usage.report({ since: new Date(now - 7 * DAY).toISOString() }, "day"))
  const one = await timed(50, () => store.usage.report({ agentId: ids[7] }, "model"))
  const ms = (t: { p50: number; p95: number }) => `${fmt(t.p50, 2)} / ${fmt(t.p95, 2)}`
  return [
    ["a turn's end: entry and running total in one commit", ms(record)],
    [`the agents list with their spend (${AGENTS} agents)`, ms(list)],
    [`usage by agent over all ${(AGENTS * TURNS).toLocaleString("en-US")} entries`, ms(all)],
    ["usage --since 7d --by day (~23,000 entries)", ms(week)],
    [`usage of one agent by model (${TURNS.toLocaleString("en-US")} entries)`, ms(one)],
  ]
}

const home = mkdtempSync(join(tmpdir(), "iterate-bench-usage-"))
const cluster = await startCluster()
try {
  const sqlite = new SqliteAgentStore(join(home, "agents.db"))
  const raw = new Database(join(home, "agents.db"))
  const insertRow = raw.query(
    "INSERT INTO usage_ledger (agent_id, prompt, model, at, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd) VALUES (?, ?, 'm', ?, ?, 10, 0, 0, 0, ?)",
  )
  const sqliteIds = await fill(sqlite, async (rows) => raw.transaction(() => rows.forEach((r) => insertRow.run(...r)))())
  const sqliteRows = await measure(sqlite, sqliteIds)

  const pg = await connectPostgres(cluster.url())
  await PostgresStreamStore.open(pg)
  const postgres = await PostgresAgentStore.open(pg, "bench-node", 15_000)
  const pgIds = await fill(postgres, async (rows) => {
    await pg.sql.unsafe(
      `INSERT INTO usage_ledger (agent_id, prompt, model, at, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd)
       SELECT r.agent_id, r.prompt, 'm', r.at, r.input, 10, 0, 0, 0, r.cost
       FROM jsonb_to_recordset($1::text::jsonb) AS r(agent_id text, prompt text, at text, input bigint, cost double precision)`,
      [JSON.stringify(rows.map(([agent_id, prompt, at, input, cost]) => ({ agent_id, prompt, at, input, cost })))],
    )
  })
  const pgRows = await measure(postgres, pgIds)

  console.log(`\n### The ledger at scale: ${AGENTS} agents, ${(AGENTS * TURNS).toLocaleString("en-US")} entries (ms, p50 / p95)\n`)
  console.log("| measure | SQLite | PostgreSQL |")
  console.log("| --- | ---: | ---: |")
  sqliteRows.forEach(([label, value], i) => console.log(`| ${label} | ${value} | ${pgRows[i]![1]} |`))
  raw.close()
  await sqlite.close()
  await pg.close()
} finally {
  await cluster.destroy()
  rmSync(home, { recursive: true, force: true })
}
