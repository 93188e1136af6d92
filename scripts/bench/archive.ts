// The archive's search index (`bun run bench archive`), on SQLite and on PostgreSQL:
//   1. search latency over 1,000,000 agent events: 100 agents' streams of opencode turns made from
//      the recorded fixture test/fixtures/streams/opencode-edit.jsonl (a prompt, a file edit asked
//      for and allowed, a streamed reply), its text varied with words drawn Zipf-like from a
//      vocabulary, so some words are in most turns and most words in few; the daemon's indexer
//      catches up from nothing first (its time is reported), then queries of each kind are timed;
//   2. append throughput, events per second with 16 agents appending turns at once, with the
//      indexer following the streams against without it.
// Both run in this process on the daemon's own classes (the stores, Agents, the indexer on its own
// thread as in the daemon), without HTTP in front. PostgreSQL is a throwaway local cluster (fsync off); SQLite keeps synchronous=FULL.
import { Database } from "bun:sqlite"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Agents } from "../../src/agents/agents.ts"
import { LocalFleet } from "../../src/agents/fleet/fleet.ts"
import { PostgresFleet } from "../../src/agents/fleet/postgres.ts"
import { type IndexLocation, IndexerThread } from "../../src/agents/archive/thread.ts"
import { PostgresAgentStore } from "../../src/agents/postgres-store.ts"
import { SqliteAgentStore } from "../../src/agents/sqlite-store.ts"
import type { AgentStore } from "../../src/agents/store.ts"
import { AgentStreams, agentStream } from "../../src/agents/stream.ts"
import { connectPostgres, type Postgres } from "../../src/storage/postgres.ts"
import type { EventInput } from "../../src/streams/events.ts"
import { PostgresStreamStore } from "../../src/streams/postgres/store.ts"
import { SqliteStreamStore, type StreamStore } from "../../src/streams/store.ts"
import { startCluster } from "../../test/support/postgres.ts"
import { percentile, ROOT, table } from "./_support.ts"

const EVENTS = Number(process.env.ARCHIVE_EVENTS ?? 1_000_000)
const AGENTS = 100
const FILLING_AT_ONCE = 16
const QUERIES_PER_KIND = 60
const APPEND_EVENTS = Number(process.env.ARCHIVE_APPEND_EVENTS ?? 100_000)
const APPEND_ROUNDS = 5

// ---- text: a seeded vocabulary, drawn Zipf-like

let seed = 42
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const SYLLABLES = "ka lo mi ne tu ra pe so vi da fo gu ze bi wa hy quo ster trin mel dor vek pul zan".split(" ")
const VOCABULARY = [...new Set(Array.from({ length: 12_000 }, () => Array.from({ length: 2 + Math.floor(random() * 3) }, () => SYLLABLES[Math.floor(random() * SYLLABLES.length)]).join("")))].slice(0, 8000)
const CUMULATIVE = (() => {
  let sum = 0
  return VOCABULARY.map((_, rank) => (sum += 1 / (rank + 1)))
})()
function word(): string {
  const target = random() * CUMULATIVE.at(-1)!
  let low = 0
  let high = CUMULATIVE.length - 1
  while (low < high) {
    const mid = (low + high) >> 1
    if (CUMULATIVE[mid]! < target) low = mid + 1
    else high = mid
  }
  return VOCABULARY[low]!
}
const sentence = (words: number) => Array.from({ length: words }, word).join(" ")
const rank = (r: number) => VOCABULARY[r]!

// ---- agent streams from the recorded fixture

const TEMPLATE = readFileSync(join(ROOT, "test/fixtures/streams/opencode-edit.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((line) => {
    const { type, payload } = JSON.parse(line) as EventInput
    return { type, payload }
  })
// The reply's final text, marked to be replaced before anything else of the template is.
const TEMPLATE_TEXT = JSON.stringify(TEMPLATE).split("Edited notes.md.").join("@REPLY@")

/** One turn like the recorded one, with its own ids, prompt, file, edit, tool output and reply (streamed in 8-character deltas). */
function turn(tag: string, sentinel?: string): EventInput[] {
  const file = `src/${word()}/${word()}.ts`
  const replace: Array<[string, string]> = [
    ["second line, edited\\nthird line", `${sentence(8)}\\n${sentence(8)}`],
    ["second line", sentence(5)],
    ["Edit applied successfully.", `${sentence(10)}\\n${Array.from({ length: Math.floor(random() * 12) }, () => sentence(9)).join("\\n")}`],
    ["/tmp/iterate-fixture/project/notes.md", `/home/dev/project/${file}`],
    ["tmp/iterate-fixture/project/notes.md", `home/dev/project/${file}`],
    ["notes.md", file],
  ]
  let text = TEMPLATE_TEXT.replace(/"((?:msg|prt|evt|per|perm|call)_[A-Za-z0-9]+)"/g, `"$1_${tag}"`)
  for (const [from, to] of replace) text = text.split(from).join(to)
  const reply = `${sentence(25 + Math.floor(random() * 60))}${sentinel ? ` ${sentinel}` : ""}.`
  const events = JSON.parse(text.split("@REPLY@").join(reply)) as EventInput[]
  events[0]!.payload = { text: `${sentence(6 + Math.floor(random() * 14))} in ${file}` }
  // The reply: the template's two deltas become one per 8 characters, and its final text is the new reply.
  const deltas = events.filter((e) => (e.payload as { type?: string }).type === "message.part.delta")
  const at = events.indexOf(deltas[0]!)
  const delta = deltas[0]!
  const pieces = reply.match(/.{1,8}/gs)!.map((piece) => {
    const copy = structuredClone(delta) as { payload: { properties: { delta: string } } }
    copy.payload.properties.delta = piece
    return copy as EventInput
  })
  events.splice(at, deltas.length, ...pieces)
  return events
}

// ---- the stores

interface Store {
  name: string
  streams: StreamStore
  agents: AgentStore
  pg?: Postgres
  /** where the indexer's thread opens it */
  location: IndexLocation
  /** how many parts the index holds */
  parts(): Promise<number>
  close(): Promise<void>
}

async function sqlite(dir: string): Promise<Store> {
  const streams = new SqliteStreamStore(join(dir, "streams.db"))
  const agents = new SqliteAgentStore(join(dir, "agents.db"))
  return {
    name: "SQLite",
    streams,
    agents,
    location: { kind: "sqlite", streams: join(dir, "streams.db"), agents: join(dir, "agents.db") },
    parts: async () => {
      const db = new Database(join(dir, "agents.db"), { readonly: true })
      const [row] = db.query<{ n: number }, []>("SELECT count(*) AS n FROM archive_parts").all()
      db.close()
      return row!.n
    },
    close: async () => {
      await agents.close()
      await streams.close()
    },
  }
}

async function postgres(url: string): Promise<Store> {
  const pg = await connectPostgres(url)
  const streams = await PostgresStreamStore.open(pg)
  const agents = await PostgresAgentStore.open(pg, "bench", 15_000)
  return {
    name: "PostgreSQL",
    streams,
    agents,
    pg,
    location: { kind: "postgres", url, node: "bench", leaseTtlMs: 15_000 },
    parts: async () => Number((await pg.sql`SELECT count(*) AS n FROM archive_parts`)[0].n),
    close: async () => {
      await streams.close()
      await pg.close()
    },
  }
}

/** Agents archived (nothing runs them: there is no harness here), each with its stream. */
async function makeAgents(store: Store, count: number, prefix: string): Promise<string[]> {
  const ids: string[] = []
  for (let n = 0; n < count; n++) {
    const id = `${prefix}${String(n).padStart(4, "0")}`
    await store.streams.create(agentStream(id), { contentType: "application/json" })
    await store.agents.insert({ id, name: id, harness: "opencode", directory: "/home/dev/project", model: undefined, stream: agentStream(id), createdAt: new Date().toISOString(), permissions: "ask" })
    await store.agents.archive(id, new Date().toISOString())
    ids.push(id)
  }
  return ids
}

/** Appends turns to the agents, `FILLING_AT_ONCE` agents at a time, until `events` are appended; events per second. */
async function fill(store: Store, ids: string[], events: number, sentinel?: (id: string) => string): Promise<number> {
  const streams = new AgentStreams(store.streams)
  const perAgent = Math.ceil(events / ids.length)
  const started = performance.now()
  let next = 0
  let appended = 0
  await Promise.all(
    Array.from({ length: FILLING_AT_ONCE }, async () => {
      while (next < ids.length) {
        const id = ids[next++]!
        for (let count = 0, t = 0; count < perAgent; t++) {
          const events = turn(`${id}_${t}`)
          count += events.length
          const last = count >= perAgent
          await streams.append(agentStream(id), last && sentinel ? turn(`${id}_${t}_last`, sentinel(id)) : events)
          appended += events.length
        }
      }
    }),
  )
  return appended / ((performance.now() - started) / 1000)
}

function agentsOn(store: Store): Agents {
  const fleet = store.pg ? new PostgresFleet(store.pg, "bench", 15_000) : new LocalFleet("bench", store.agents)
  return new Agents({ store: store.agents, fleet, streams: store.streams, logDir: tmpdir(), dataDir: tmpdir(), worktreesDir: join(tmpdir(), "iterate-bench-worktrees"), harnesses: {}, index: store.location })
}

const ms = (value: number) => value.toFixed(1)

// ---- 1. search latency over a million events

async function searchLatency(store: Store): Promise<string[][]> {
  const ids = await makeAgents(store, AGENTS, "s")
  const fillRate = await fill(store, ids, EVENTS, () => "zzsentinel")
  const agents = agentsOn(store)
  const started = performance.now()
  await agents.start({ url: "http://127.0.0.1:1", roots: ["/"], version: "bench", startedAt: new Date().toISOString() })
  await agents.indexed()
  const catchUp = (performance.now() - started) / 1000
  const total = (await agents.search({ query: "zzsentinel", limit: 100 })).length
  if (total !== AGENTS) throw new Error(`the index holds the last turn of ${total} agents, not ${AGENTS}`)

  const path = () => `src/${word()}/${word()}.ts`
  const kinds: Array<[string, () => string]> = [
    ["a rare word", () => rank(3000 + Math.floor(random() * 4000))],
    ["a middling word", () => rank(100 + Math.floor(random() * 400))],
    ["a common word", () => rank(Math.floor(random() * 10))],
    ["two words", () => `${rank(Math.floor(random() * 50))} ${rank(200 + Math.floor(random() * 2000))}`],
    ["a phrase", () => `"${sentence(2)}"`],
    ["a file path", path],
    ["a prefix", () => `${rank(50 + Math.floor(random() * 500)).slice(0, 4)}*`],
  ]
  for (let n = 0; n < 20; n++) await agents.search({ query: kinds[n % kinds.length]![1](), limit: 20 })
  const rows: string[][] = []
  const all: number[] = []
  for (const [kind, query] of kinds) {
    const times: number[] = []
    let hits = 0
    for (let n = 0; n < QUERIES_PER_KIND; n++) {
      const q = query()
      const at = performance.now()
      hits += (await agents.search({ query: q, limit: 20 })).length
      times.push(performance.now() - at)
    }
    all.push(...times)
    rows.push([`${store.name}: ${kind}`, ms(percentile(times, 50)), ms(percentile(times, 95)), (hits / QUERIES_PER_KIND).toFixed(1)])
  }
  rows.push([`**${store.name}: all ${all.length} queries**`, `**${ms(percentile(all, 50))}**`, `**${ms(percentile(all, 95))}**`, ""])
  console.log(
    `${store.name}: ${EVENTS.toLocaleString("en")} events appended at ${Math.round(fillRate).toLocaleString("en")}/s; ` +
      `the indexer caught up with them in ${catchUp.toFixed(1)} s (${(await store.parts()).toLocaleString("en")} parts indexed)`,
  )
  await agents.stop()
  return rows
}

// ---- 2. append throughput with the indexer following, against without

async function appendRate(make: () => Promise<Store>, indexed: boolean): Promise<{ rate: number; lagS: number }> {
  const store = await make()
  try {
    const ids = await makeAgents(store, FILLING_AT_ONCE, indexed ? "on" : "off")
    // As the daemon runs it: on its own thread, told of each change the stream store hears.
    const indexer = new IndexerThread(store.location)
    const unwatch = new AgentStreams(store.streams).watchAgents((id, change) => indexer.changed(id, change))
    if (indexed) indexer.start()
    const rate = await fill(store, ids, APPEND_EVENTS)
    const done = performance.now()
    if (indexed) await indexer.caughtUp()
    const lagS = (performance.now() - done) / 1000
    unwatch()
    await indexer.stop()
    return { rate, lagS }
  } finally {
    await store.close()
  }
}

async function appendThroughput(name: string, make: () => Promise<Store>): Promise<string[]> {
  const on: number[] = []
  const off: number[] = []
  const lags: number[] = []
  // Alternating, so a slow patch of the machine hits both alike.
  for (let round = 0; round < APPEND_ROUNDS; round++) {
    off.push((await appendRate(make, false)).rate)
    const measured = await appendRate(make, true)
    on.push(measured.rate)
    lags.push(measured.lagS)
  }
  const [a, b] = [percentile(off, 50), percentile(on, 50)]
  return [name, Math.round(a).toLocaleString("en"), Math.round(b).toLocaleString("en"), `${(b / a).toFixed(2)}×`, `${percentile(lags, 50).toFixed(1)} s`]
}

const home = mkdtempSync(join(tmpdir(), "iterate-bench-archive-"))
const cluster = await startCluster()
try {
  let databases = 0
  const newDatabase = async () => {
    const name = `bench_${databases++}`
    const admin = await connectPostgres(cluster.url())
    await admin.sql.unsafe(`CREATE DATABASE ${name}`)
    await admin.close()
    return cluster.url(name)
  }
  let folders = 0
  const newFolder = () => mkdtempSync(join(home, `sqlite-${folders++}-`))

  const latency: string[][] = []
  for (const make of [() => sqlite(newFolder()), async () => postgres(await newDatabase())]) {
    const store = await make()
    try {
      latency.push(...(await searchLatency(store)))
    } finally {
      await store.close()
    }
  }
  console.log(`\n### Search over ${EVENTS.toLocaleString("en")} events (${AGENTS} agents), ms per query (goal: p95 ≤ 100 ms)\n`)
  console.log(table(["query", "p50", "p95", "hits (of 20 at most)"], latency))

  const throughput = [await appendThroughput("SQLite", () => sqlite(newFolder())), await appendThroughput("PostgreSQL", async () => postgres(await newDatabase()))]
  console.log(`\n### Appends with the index on against off: ${APPEND_EVENTS.toLocaleString("en")} events, ${FILLING_AT_ONCE} agents at once (goal: ≥ 0.9×)\n`)
  console.log(table(["store", "events/s, index off", "events/s, index on", "on / off", "index behind at the end"], throughput))
} finally {
  await cluster.destroy()
  rmSync(home, { recursive: true, force: true })
}
