// Durable Streams throughput and latency: the iterate daemon (the compiled binary) against the
// reference server (@durable-streams/server, file-backed, its defaults), side by side in one run.
// Prints a markdown table. Run with `bun run bench streams`, or alone: `bun scripts/bench/streams.ts`.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const ROOT = new URL("../..", import.meta.url).pathname
const BINARY = join(ROOT, "dist", "iterate")
const IN_FLIGHT = 64
const APPEND_SECONDS = 5
const CATCH_UP_EVENTS = 10_000
const CATCH_UP_RUNS = 5
const LATENCY_SAMPLES = 500

interface Target {
  name: string
  url: string
  headers: Record<string, string>
  stop: () => Promise<void>
}

/** An event of about 100 bytes once serialised. */
const event = (n: number) => JSON.stringify({ type: "bench:event", n, payload: "x".repeat(60 - String(n).length) })

async function startIterate(home: string): Promise<Target> {
  const env = { ...process.env, XDG_STATE_HOME: join(home, "state"), XDG_DATA_HOME: join(home, "data"), XDG_CONFIG_HOME: join(home, "config") }
  const child = Bun.spawn([BINARY, "serve", "--port", "0"], { env, stdout: "ignore", stderr: "inherit" })
  const recordPath = join(home, "state", "iterate", "daemon.json")
  while (!existsSync(recordPath)) await Bun.sleep(20)
  const record = JSON.parse(readFileSync(recordPath, "utf8")) as { url: string; token: string }
  return {
    name: "iterate",
    url: record.url,
    headers: { authorization: `Bearer ${record.token}` },
    stop: async () => {
      child.kill("SIGTERM")
      await child.exited
    },
  }
}

async function startReference(home: string): Promise<Target & { runtime: string }> {
  const runtime = Bun.which("node") ? "node" : "bun"
  const child = Bun.spawn([runtime, join(ROOT, "scripts", "bench", "_ds-reference-server.mjs"), home], {
    cwd: ROOT,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  })
  // It logs slow operations to stdout: keep reading it after the URL, or its writes fail.
  const url = await new Promise<string>((resolve) => {
    let output = ""
    const decoder = new TextDecoder()
    void (async () => {
      for await (const chunk of child.stdout) {
        output += decoder.decode(chunk)
        const found = output.match(/^(http\S+)$/m)
        if (found) resolve(found[1]!)
      }
    })()
  })
  return {
    name: "reference",
    runtime,
    url,
    headers: {},
    stop: async () => {
      child.stdin.end()
      await child.exited
    },
  }
}

async function createStream(target: Target, name: string): Promise<string> {
  const url = `${target.url}/v1/stream/${name}`
  const response = await fetch(url, { method: "PUT", headers: { ...target.headers, "content-type": "application/json" } })
  if (response.status !== 201) throw new Error(`${target.name}: PUT ${name} answered ${response.status}`)
  return url
}

async function append(target: Target, url: string, body: string): Promise<void> {
  const response = await fetch(url, { method: "POST", headers: { ...target.headers, "content-type": "application/json" }, body })
  if (response.status !== 204) throw new Error(`${target.name}: append answered ${response.status}`)
}

/** Every message from the start, following Stream-Next-Offset until up to date. */
async function readAll(target: Target, url: string): Promise<unknown[]> {
  const all: unknown[] = []
  let offset = "-1"
  for (;;) {
    const response = await fetch(`${url}?offset=${offset}`, { headers: target.headers })
    all.push(...((await response.json()) as unknown[]))
    offset = response.headers.get("stream-next-offset")!
    if (response.headers.get("stream-up-to-date") === "true") return all
  }
}

/** Appends per second with IN_FLIGHT requests outstanding; checks every acknowledged one is there. */
async function appendRate(target: Target): Promise<number> {
  const url = await createStream(target, `appends-${Date.now()}`)
  let acknowledged = 0
  const deadline = performance.now() + APPEND_SECONDS * 1000
  const started = performance.now()
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < deadline) {
        await append(target, url, event(acknowledged))
        acknowledged++
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const stored = (await readAll(target, url)).length
  if (stored !== acknowledged) throw new Error(`${target.name}: ${acknowledged} appends acknowledged, ${stored} stored`)
  return acknowledged / seconds
}

/** Milliseconds to read CATCH_UP_EVENTS events from the start (median of CATCH_UP_RUNS). */
async function catchUp(target: Target): Promise<number> {
  const url = await createStream(target, `catch-up-${Date.now()}`)
  for (let n = 0; n < CATCH_UP_EVENTS; n += 500)
    await append(target, url, `[${Array.from({ length: 500 }, (_, i) => event(n + i)).join(",")}]`)
  const times: number[] = []
  for (let run = 0; run < CATCH_UP_RUNS; run++) {
    const started = performance.now()
    const events = await readAll(target, url)
    times.push(performance.now() - started)
    if (events.length !== CATCH_UP_EVENTS) throw new Error(`${target.name}: caught up on ${events.length} events`)
  }
  return percentile(times, 50)
}

/** Milliseconds from sending an append to an SSE reader receiving it: p50 and p99. */
async function deliveryLatency(target: Target): Promise<{ p50: number; p99: number }> {
  const url = await createStream(target, `latency-${Date.now()}`)
  const abort = new AbortController()
  const response = await fetch(`${url}?offset=now&live=sse`, { headers: target.headers, signal: abort.signal })
  const arrivals = new Map<number, number>()
  let waiting: (() => void) | undefined
  void (async () => {
    const decoder = new TextDecoder()
    let buffer = ""
    try {
      for await (const chunk of response.body!) {
        buffer += decoder.decode(chunk, { stream: true })
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          if (!block.startsWith("event: data")) continue
          const data = block
            .split("\n")
            .filter((line) => line.startsWith("data:"))
            .map((line) => line.slice(5))
            .join("\n")
          for (const item of JSON.parse(data) as { n: number }[]) arrivals.set(item.n, performance.now())
          waiting?.()
        }
      }
    } catch {
      // aborted at the end
    }
  })()
  const latencies: number[] = []
  for (let n = 0; n < LATENCY_SAMPLES; n++) {
    const arrived = new Promise<void>((resolve) => (waiting = () => arrivals.has(n) && resolve()))
    const sent = performance.now()
    await Promise.all([append(target, url, event(n)), arrived])
    latencies.push(arrivals.get(n)! - sent)
  }
  abort.abort()
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

async function measure(target: Target) {
  const appendsPerSecond = await appendRate(target)
  const catchUpMs = await catchUp(target)
  const latency = await deliveryLatency(target)
  return { appendsPerSecond, catchUpMs, ...latency }
}

if (!existsSync(BINARY) && Bun.spawnSync(["bun", "run", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] }).exitCode !== 0)
  process.exit(1)
const home = mkdtempSync(join(tmpdir(), "iterate-bench-streams-"))
const results: Record<string, Awaited<ReturnType<typeof measure>>> = {}
let runtime = ""
try {
  for (const start of [startIterate, startReference]) {
    const target = await start(join(home, start.name))
    if ("runtime" in target) runtime = target.runtime as string
    try {
      results[target.name] = await measure(target)
    } finally {
      await target.stop()
    }
  }
} finally {
  rmSync(home, { recursive: true, force: true })
}

const ours = results.iterate!
const theirs = results.reference!
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
console.log(`\n### Durable Streams: iterate vs. the reference server (${runtime}, file-backed)\n`)
console.log("| measure | iterate | reference | iterate vs. reference |")
console.log("| --- | ---: | ---: | ---: |")
console.log(`| appends/s, ${IN_FLIGHT} in flight, ~100 B JSON | ${fmt(ours.appendsPerSecond)} | ${fmt(theirs.appendsPerSecond)} | ${fmt(ours.appendsPerSecond / theirs.appendsPerSecond, 1)}× the rate |`)
console.log(`| catch-up read of ${fmt(CATCH_UP_EVENTS)} events, ms | ${fmt(ours.catchUpMs, 1)} | ${fmt(theirs.catchUpMs, 1)} | ${fmt(theirs.catchUpMs / ours.catchUpMs, 1)}× as fast |`)
console.log(`| append → SSE delivery p50, ms | ${fmt(ours.p50, 2)} | ${fmt(theirs.p50, 2)} | ${fmt(theirs.p50 / ours.p50, 1)}× as fast |`)
console.log(`| append → SSE delivery p99, ms | ${fmt(ours.p99, 2)} | ${fmt(theirs.p99, 2)} | ${fmt(theirs.p99 / ours.p99, 1)}× as fast |`)
