// Shared by the Durable Streams benchmarks (streams.ts, postgres.ts): a server to measure
// (iterate or the reference), and the measures themselves over plain HTTP.
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { BINARY, percentile } from "./_support.ts"

export const IN_FLIGHT = 64
const APPEND_SECONDS = 5
const LATENCY_SAMPLES = 500

export interface Target {
  name: string
  url: string
  headers: Record<string, string>
  stop: () => Promise<void>
}

/** An event of about 100 bytes once serialised. */
export const event = (n: number) => JSON.stringify({ type: "bench:event", n, payload: "x".repeat(60 - String(n).length) })

/** `iterate serve` (the compiled binary) in its own XDG home; `env` adds to the environment (ITERATE_STORE_URL). */
export async function startIterate(home: string, name = "iterate", env: Record<string, string> = {}): Promise<Target> {
  const child = Bun.spawn([BINARY, "serve", "--port", "0"], {
    env: { ...process.env, XDG_STATE_HOME: join(home, "state"), XDG_DATA_HOME: join(home, "data"), XDG_CONFIG_HOME: join(home, "config"), ...env },
    stdout: "ignore",
    stderr: "inherit",
  })
  const recordPath = join(home, "state", "iterate", "daemon.json")
  while (!existsSync(recordPath)) {
    if (child.exitCode !== null) throw new Error(`${name}: iterate serve exited ${child.exitCode}`)
    await Bun.sleep(20)
  }
  const record = JSON.parse(readFileSync(recordPath, "utf8")) as { url: string; token: string }
  return {
    name,
    url: record.url,
    headers: { authorization: `Bearer ${record.token}` },
    stop: async () => {
      child.kill("SIGTERM")
      await child.exited
    },
  }
}

export async function createStream(target: Target, name: string): Promise<string> {
  const response = await fetch(`${target.url}/v1/stream/${name}`, { method: "PUT", headers: { ...target.headers, "content-type": "application/json" } })
  if (response.status !== 201) throw new Error(`${target.name}: PUT ${name} answered ${response.status}`)
  return name
}

export async function append(target: Target, name: string, body: string): Promise<void> {
  const response = await fetch(`${target.url}/v1/stream/${name}`, { method: "POST", headers: { ...target.headers, "content-type": "application/json" }, body })
  if (response.status !== 204) throw new Error(`${target.name}: append answered ${response.status}`)
}

/** Every message from the start, following Stream-Next-Offset until up to date. */
export async function readAll(target: Target, name: string): Promise<unknown[]> {
  const all: unknown[] = []
  let offset = "-1"
  for (;;) {
    const response = await fetch(`${target.url}/v1/stream/${name}?offset=${offset}`, { headers: target.headers })
    all.push(...((await response.json()) as unknown[]))
    offset = response.headers.get("stream-next-offset")!
    if (response.headers.get("stream-up-to-date") === "true") return all
  }
}

/**
 * Appends per second to one stream with `inFlight` requests outstanding in all, spread over the
 * writers (several nodes of one store); checks that every acknowledged append is there.
 */
export async function appendRate(writers: Target[], inFlight = IN_FLIGHT): Promise<number> {
  const name = await createStream(writers[0]!, `appends-${Date.now()}`)
  let acknowledged = 0
  const deadline = performance.now() + APPEND_SECONDS * 1000
  const started = performance.now()
  await Promise.all(
    Array.from({ length: inFlight }, async (_, k) => {
      const writer = writers[k % writers.length]!
      while (performance.now() < deadline) {
        await append(writer, name, event(acknowledged))
        acknowledged++
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const stored = (await readAll(writers[0]!, name)).length
  if (stored !== acknowledged) throw new Error(`${writers[0]!.name}: ${acknowledged} appends acknowledged, ${stored} stored`)
  return acknowledged / seconds
}

/** Milliseconds from sending an append to `writer` to an SSE reader on `reader` receiving it: p50 and p99. */
export async function deliveryLatency(writer: Target, reader: Target = writer): Promise<{ p50: number; p99: number }> {
  const name = await createStream(writer, `latency-${Date.now()}`)
  const abort = new AbortController()
  const response = await fetch(`${reader.url}/v1/stream/${name}?offset=now&live=sse`, { headers: reader.headers, signal: abort.signal })
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
    await Promise.all([append(writer, name, event(n)), arrived])
    latencies.push(arrivals.get(n)! - sent)
  }
  abort.abort()
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) }
}

export const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
