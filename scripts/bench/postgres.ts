// The PostgreSQL store beside SQLite: appends per second and append → live-read latency, on one
// node and across two nodes sharing the database. PostgreSQL is a throwaway local cluster
// (test/support/postgres.ts: loopback, fsync off, so the figures are the store's own cost, not the
// disk's); SQLite runs with synchronous=FULL as always. Run with `bun run bench postgres`.
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startCluster } from "../../test/support/postgres.ts"
import { append, appendRate, createStream, deliveryLatency, event, fmt, IN_FLIGHT, startIterate, type Target } from "./_durable-streams.ts"
import { BINARY, percentile, ROOT } from "./_support.ts"

const SEQUENTIAL_APPENDS = 500

/** Milliseconds one append takes with nothing else in flight: p50. */
async function singleAppend(target: Target): Promise<number> {
  const name = await createStream(target, `single-${Date.now()}`)
  const times: number[] = []
  for (let n = 0; n < SEQUENTIAL_APPENDS; n++) {
    const started = performance.now()
    await append(target, name, event(n))
    times.push(performance.now() - started)
  }
  return percentile(times, 50)
}

if (!existsSync(BINARY) && Bun.spawnSync(["bun", "run", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] }).exitCode !== 0)
  process.exit(1)
const home = mkdtempSync(join(tmpdir(), "iterate-bench-postgres-"))
const cluster = await startCluster()
const targets: Target[] = []
try {
  const sqlite = await startIterate(join(home, "sqlite"), "sqlite")
  targets.push(sqlite)
  const store = { ITERATE_STORE_URL: cluster.url() }
  const a = await startIterate(join(home, "a"), "postgres A", store)
  targets.push(a)
  const b = await startIterate(join(home, "b"), "postgres B", store)
  targets.push(b)

  const rows: [string, string, string, string][] = []
  const rate = [await appendRate([sqlite]), await appendRate([a]), await appendRate([a, b])]
  rows.push([`appends/s, ${IN_FLIGHT} in flight, ~100 B JSON, one stream`, fmt(rate[0]!), fmt(rate[1]!), `${fmt(rate[2]!)} (half on each)`])
  rows.push(["one append alone, p50 ms", fmt(await singleAppend(sqlite), 2), fmt(await singleAppend(a), 2), "—"])
  const latency = [await deliveryLatency(sqlite), await deliveryLatency(a), await deliveryLatency(a, b)]
  rows.push(["append → SSE delivery p50, ms", ...(latency.map((l) => fmt(l.p50, 2)) as [string, string, string])])
  rows.push(["append → SSE delivery p99, ms", ...(latency.map((l) => fmt(l.p99, 2)) as [string, string, string])])

  console.log("\n### Streams on PostgreSQL beside SQLite (two nodes on one machine for the last column)\n")
  console.log("| measure | SQLite | PostgreSQL, one node | PostgreSQL, append on A, read on B |")
  console.log("| --- | ---: | ---: | ---: |")
  for (const row of rows) console.log(`| ${row.join(" | ")} |`)
} finally {
  for (const target of targets) await target.stop()
  await cluster.destroy()
  rmSync(home, { recursive: true, force: true })
}
