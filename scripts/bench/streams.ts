// Durable Streams throughput and latency: the iterate daemon (the compiled binary) against the
// reference server (@durable-streams/server, file-backed, its defaults), side by side in one run.
// Prints a markdown table. Run with `bun run bench streams`, or alone: `bun scripts/bench/streams.ts`.
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { append, appendRate, createStream, deliveryLatency, event, fmt, IN_FLIGHT, readAll, startIterate, type Target } from "./_durable-streams.ts"
import { BINARY, percentile, ROOT } from "./_support.ts"

const CATCH_UP_EVENTS = 10_000
const CATCH_UP_RUNS = 5

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

/** Milliseconds to read CATCH_UP_EVENTS events from the start (median of CATCH_UP_RUNS). */
async function catchUp(target: Target): Promise<number> {
  const name = await createStream(target, `catch-up-${Date.now()}`)
  for (let n = 0; n < CATCH_UP_EVENTS; n += 500)
    await append(target, name, `[${Array.from({ length: 500 }, (_, i) => event(n + i)).join(",")}]`)
  const times: number[] = []
  for (let run = 0; run < CATCH_UP_RUNS; run++) {
    const started = performance.now()
    const events = await readAll(target, name)
    times.push(performance.now() - started)
    if (events.length !== CATCH_UP_EVENTS) throw new Error(`${target.name}: caught up on ${events.length} events`)
  }
  return percentile(times, 50)
}

async function measure(target: Target) {
  const appendsPerSecond = await appendRate([target])
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
console.log(`\n### Durable Streams: iterate vs. the reference server (${runtime}, file-backed)\n`)
console.log("| measure | iterate | reference | iterate vs. reference |")
console.log("| --- | ---: | ---: | ---: |")
console.log(`| appends/s, ${IN_FLIGHT} in flight, ~100 B JSON | ${fmt(ours.appendsPerSecond)} | ${fmt(theirs.appendsPerSecond)} | ${fmt(ours.appendsPerSecond / theirs.appendsPerSecond, 1)}× the rate |`)
console.log(`| catch-up read of ${fmt(CATCH_UP_EVENTS)} events, ms | ${fmt(ours.catchUpMs, 1)} | ${fmt(theirs.catchUpMs, 1)} | ${fmt(theirs.catchUpMs / ours.catchUpMs, 1)}× as fast |`)
console.log(`| append → SSE delivery p50, ms | ${fmt(ours.p50, 2)} | ${fmt(theirs.p50, 2)} | ${fmt(theirs.p50 / ours.p50, 1)}× as fast |`)
console.log(`| append → SSE delivery p99, ms | ${fmt(ours.p99, 2)} | ${fmt(theirs.p99, 2)} | ${fmt(theirs.p99 / ours.p99, 1)}× as fast |`)
