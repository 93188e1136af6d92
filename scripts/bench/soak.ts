// Soak: 20 agents in mixed directories × 50 turns each, all at once, against the real opencode and
// the LLM stub; some turns aborted (as soon as the adapter takes them, or mid-reply), the one
// opencode serve killed -9 halfway. Only the daemon's HTTP API is used (and /proc to find and watch
// processes). Prints what was lost or duplicated (the goal is nothing), the daemon's memory and
// descriptors before and after, the turn overhead, and the bytes one turn adds to an agent's stream.
//
// Memory is measured so that a leak shows apart from warm-up: "before" is read after a warm-up
// round of the same work (every agent, the same mix of aborts), "after" once the run is over, each
// after a full garbage collection (the daemon runs with Bun's inspector on loopback, whose
// Heap.gc the bench calls), and the collected RSS is sampled every tenth of the run: a leak
// climbs with the turns, warm-up does not.
//
//   bun run bench soak                     # builds, then runs this
//   SOAK_AGENTS=4 SOAK_TURNS=10 SOAK_WARMUP=2 bun scripts/bench/soak.ts
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { assistantUpdate, type OpencodeEvent } from "../../src/harness/opencode/events.ts"
import { AGENT_EVENT, HARNESS_EVENT, type ErrorPayload, type StatusPayload } from "../../src/protocol/agent-events.ts"
import { LlmStub, text } from "../../test/support/llm-stub.ts"
import { OPENCODE_ENV, testOpencodeBinary, writeProjectConfig } from "../../test/support/opencode-project.ts"
import { BINARY, Home, median, percentile, table } from "./_support.ts"

const AGENTS = Number(process.env.SOAK_AGENTS ?? 20)
const TURNS = Number(process.env.SOAK_TURNS ?? 50)
const WARMUP = Number(process.env.SOAK_WARMUP ?? 10)
// Agents i and i + DIRECTORIES share a directory: 20 agents in 6 folders, all on one opencode.
const DIRECTORIES = Math.min(6, AGENTS)
const ABORT_EVERY = 10
// A turn not over by then is reported as hung; an abort is tried, and an agent whose turn does not
// end even then is given up on (its remaining turns are not run).
const TURN_TIMEOUT_MS = 60_000
const UNSTICK_MS = 30_000
// Streamed in 10 chunks 10 ms apart, so an abort lands while the reply is still coming.
const reply = () => text("ok ".repeat(20), { chunkSize: 6, delayMs: 10 })

interface Event {
  offset: string
  type: string
  createdAt: string
  payload?: unknown
}

const home = new Home()
const env: Record<string, string | undefined> = { ...home.env, NO_COLOR: "1", ...OPENCODE_ENV }
const stub = new LlmStub().start()
const directories = Array.from({ length: DIRECTORIES }, (_, i) => join(home.dir, `project-${i}`))
for (const dir of directories) {
  mkdirSync(dir)
  writeProjectConfig(dir, stub.url)
}
mkdirSync(join(home.dir, "config", "iterate"), { recursive: true })
writeFileSync(join(home.dir, "config", "iterate", "config.json"), JSON.stringify({ harnesses: { opencode: { binary: testOpencodeBinary() } } }))

const loadAverage = () => Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0])

/** TCP sockets by inode: local and remote port, and whether it listens. */
function tcpSockets(): Map<string, { local: number; remote: number; listening: boolean }> {
  const sockets = new Map<string, { local: number; remote: number; listening: boolean }>()
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"])
    for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/)
      if (fields.length < 10) continue
      const port = (address: string) => Number.parseInt(address.split(":").at(-1)!, 16)
      sockets.set(fields[9]!, { local: port(fields[1]!), remote: port(fields[2]!), listening: fields[3] === "0A" })
    }
  return sockets
}

/** The daemon's RSS and descriptors, TCP sockets told apart by what is at their other end. */
function daemonFigures(pid: number) {
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024
  const kinds = new Map<string, number>()
  const sockets = tcpSockets()
  const port = Number(new URL(record.url).port)
  const opencode = opencodePort()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = "gone"
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`)
    } catch {
      // closed while we looked
    }
    let kind = /^(\w+):/.exec(target)?.[1] ?? (target.startsWith("/dev/") ? "device" : "file")
    const tcp = sockets.get(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? "")
    if (tcp) kind = tcp.listening ? "tcp listening" : tcp.local === port ? "tcp from clients" : tcp.remote === opencode ? "tcp to opencode" : "tcp other"
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
  }
  const fds = [...kinds.values()].reduce((a, b) => a + b, 0)
  return { rssMiB: rss, fds, kinds: [...kinds].sort().map(([kind, n]) => `${n} ${kind}`).join(", ") }
}

/** The opencode servers the daemon started: its children running `opencode serve`. */
function opencodeChildren(daemon: number): number[] {
  const found: number[] = []
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8")
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")
      if (ppid === daemon && argv[0]!.includes("opencode") && argv.includes("serve")) found.push(Number(entry))
    } catch {
      // ended while we looked
    }
  }
  return found
}

/** The port the daemon's opencode listens on, from the line it logs when it starts; 0 before it first did. */
function opencodePort(): number {
  const log = join(home.dir, "state", "iterate", "log", "opencode.log")
  const lines = existsSync(log) ? [...readFileSync(log, "utf8").matchAll(/listening on http:\/\/127\.0\.0\.1:(\d+)/g)] : []
  return Number(lines.at(-1)?.[1] ?? 0)
}

async function iterate(args: string[]): Promise<string> {
  const child = Bun.spawn([BINARY, ...args], { env, stdout: "pipe", stderr: "pipe" })
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  if (code !== 0) throw new Error(`iterate ${args.join(" ")} failed: ${stderr}`)
  return stdout
}

// The daemon runs in the foreground of this process so that it alone has the inspector (a CLI
// that starts it would take the address first); the daemon does not pass it on to opencode.
const free = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() })
const inspector = `ws://127.0.0.1:${free.port}/${crypto.randomUUID()}`
free.stop(true)
const logFile = join(home.dir, "state", "iterate", "log", "daemon.log")
const daemon = Bun.spawn([BINARY, "serve", "--port", "0", "--log-file", logFile], { env: { ...env, BUN_INSPECT: inspector }, stdout: "ignore", stderr: "inherit" })
const record = await (async () => {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await Bun.sleep(100)) {
    try {
      const found = home.record()
      if (found.pid === daemon.pid && (await fetch(`${found.url}/health`)).ok) return found
    } catch {
      // not yet written, or not yet listening
    }
  }
  throw new Error("the daemon did not start")
})()
const headers = { authorization: `Bearer ${record.token}`, "content-type": "application/json" }
// Every request on a connection of its own, closed after it: the daemon's descriptors then count
// only what it holds itself, not how many connections this client happens to keep open.
const connections = new Bun.FetchSession({ keepAlive: false })

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await connections.fetch(record.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

/** A full collection in the daemon, through its inspector; the allocator gives pages back a moment later. */
async function collectGarbage(): Promise<void> {
  const socket = new WebSocket(inspector)
  await new Promise((resolve, reject) => {
    socket.onopen = resolve
    socket.onerror = () => reject(new Error(`the daemon's inspector at ${inspector} does not answer`))
  })
  const answered = new Promise((resolve) => (socket.onmessage = resolve))
  socket.send(JSON.stringify({ id: 1, method: "Heap.gc" }))
  await answered
  socket.close()
  await Bun.sleep(1_000)
}

/** One agent's stream as its client sees it: a long-poll reader that keeps every event it was handed. */
class Reader {
  readonly seen: Event[] = []
  #offset = "-1"
  constructor(readonly stream: string) {}

  /** Reads until `done` says the events so far contain what it waits for; false when `ms` pass first. */
  async until(done: (events: Event[]) => boolean, ms = TURN_TIMEOUT_MS): Promise<boolean> {
    const deadline = Date.now() + ms
    while (!done(this.seen)) {
      if (Date.now() > deadline) return false
      const signal = AbortSignal.timeout(Math.max(1, deadline - Date.now()))
      const response = await connections.fetch(`${record.url}/v1/stream/${this.stream}?offset=${this.#offset}&live=long-poll`, { headers, signal }).catch((error: Error) => {
        if (error.name !== "TimeoutError") throw error
      })
      if (!response) continue
      if (response.status === 200) this.seen.push(...((await response.json()) as Event[]))
      else if (response.status !== 204) throw new Error(`read ${this.stream}: ${response.status}`)
      this.#offset = response.headers.get("Stream-Next-Offset") ?? this.#offset
    }
    return true
  }
}

const isStatus = (e: Event, status: string, prompt: string) =>
  e.type === AGENT_EVENT.status && (e.payload as StatusPayload).status === status && (e.payload as StatusPayload).prompt === prompt
const isEnd = (e: Event, prompt: string) =>
  (e.type === AGENT_EVENT.status && (e.payload as StatusPayload).status !== "busy" && (e.payload as StatusPayload).prompt === prompt) ||
  (e.type === AGENT_EVENT.error && (e.payload as ErrorPayload).action === prompt)

interface Turn {
  agent: number
  prompt: string
  /** when the bench aborted it: as soon as it was taken, or once the reply streamed */
  abort?: "early" | "mid"
  startedAt: number
  endedAt: number
  latencyMs: number
  /** not over within TURN_TIMEOUT_MS */
  hung: boolean
  /** undefined when it never ended, not even after an abort */
  end?: StatusPayload | ErrorPayload
}

interface Agent {
  id: string
  reader: Reader
}

const replyStreaming = (e: Event) => HARNESS_EVENT.test(e.type) && (e.payload as { type?: string }).type === "message.part.delta"

async function turn(agent: Agent, index: number, name: string, abort?: "early" | "mid"): Promise<Turn> {
  stub.reply(reply())
  const startedAt = performance.now()
  const { event } = await api<{ event: Event }>("POST", `/v1/agents/${agent.id}/prompt`, { text: `soak agent ${index} ${name}` })
  const from = agent.reader.seen.length
  const ended = (events: Event[]) => events.some((e) => isEnd(e, event.offset))
  if (abort) {
    const cue = abort === "early" ? (e: Event) => isStatus(e, "busy", event.offset) : replyStreaming
    await agent.reader.until((events) => ended(events) || events.slice(from).some(cue))
    await api("POST", `/v1/agents/${agent.id}/abort`)
  }
  const hung = !(await agent.reader.until(ended))
  const endedAt = performance.now()
  if (hung) {
    await api("POST", `/v1/agents/${agent.id}/abort`)
    await agent.reader.until(ended, UNSTICK_MS)
  }
  const end = agent.reader.seen.find((e) => isEnd(e, event.offset))?.payload as StatusPayload | undefined
  return { agent: index, prompt: event.offset, abort, startedAt, endedAt, latencyMs: endedAt - startedAt, hung, end }
}

/** Every agent runs `count` turns at once with the same mix of aborts; `each` hears of every turn as it ends. */
async function work(agents: Agent[], count: number, label: string, each: (t: Turn) => void = () => {}): Promise<Turn[]> {
  const done: Turn[] = []
  await Promise.all(
    agents.map(async (agent, i) => {
      for (let k = 0; k < count; k++) {
        const abort = (k + i) % ABORT_EVERY === ABORT_EVERY - 1 ? (k % 2 ? "mid" : "early") : undefined
        const result = await turn(agent, i, `${label} ${k}`, abort)
        done.push(result)
        each(result)
        if (!result.end) return
      }
    }),
  )
  return done
}

try {
  const agents: Agent[] = await Promise.all(
    Array.from({ length: AGENTS }, async (_, i) => {
      const created = await api<{ id: string; stream: string }>("POST", "/v1/agents", { directory: directories[i % DIRECTORIES], name: `soak-${i}` })
      return { id: created.id, reader: new Reader(created.stream) }
    }),
  )
  // Warm-up: the same work, so that caches, pools and the heap have reached what this load needs.
  const warmLoad = [loadAverage()]
  const warmStarted = performance.now()
  const warm = await work(agents, WARMUP, "warm-up turn")
  const warmS = (performance.now() - warmStarted) / 1000
  warmLoad.push(loadAverage())
  await Bun.sleep(2_000)
  const rawBefore = daemonFigures(record.pid).rssMiB
  await collectGarbage()
  const before = daemonFigures(record.pid)

  let done = 0
  let killed: { pid: number; atTurn: number; at: number } | undefined
  // Every tenth of the turns: the daemon's RSS as it is, and after a collection.
  const samples: { raw: number; collected: number; load: number }[] = []
  let sampling = Promise.resolve()
  const started = performance.now()
  const turns = await work(agents, TURNS, "turn", () => {
    if (++done % Math.ceil((AGENTS * TURNS) / 10) === 0) {
      const raw = daemonFigures(record.pid).rssMiB
      const load = loadAverage()
      sampling = sampling.then(() => collectGarbage()).then(() => void samples.push({ raw, collected: daemonFigures(record.pid).rssMiB, load }))
    }
    if (done === Math.floor((AGENTS * TURNS) / 2) && !killed) {
      const victim = opencodeChildren(record.pid)[0]
      if (victim) {
        process.kill(victim, "SIGKILL")
        killed = { pid: victim, atTurn: done, at: performance.now() }
      }
    }
  })
  await sampling
  const elapsedS = (performance.now() - started) / 1000
  const endLoad = loadAverage()
  await Bun.sleep(3_000)
  const rawAfter = daemonFigures(record.pid).rssMiB
  await collectGarbage()
  const after = daemonFigures(record.pid)

  // What the streams hold, read again from the start, against what the clients were handed live.
  let gaps = 0
  let changed = 0
  let wrongEnds = 0
  let prompts = 0
  const perTurnBytes: number[] = []
  const perTurnEvents: number[] = []
  // Over completed turns: bytes and events by type (opencode's own type for harness events).
  const byType = new Map<string, { bytes: number; events: number }>()
  const overheads: number[] = []
  const calm: number[] = []
  // The turns that had their whole reply before their abort reached opencode.
  const repliedFirst = new Set<Turn>()
  // The turns that started after the kill waited for the restarted opencode; the first of them to
  // end marks when it was back.
  const recoveredAt = killed ? Math.min(...turns.filter((t) => t.startedAt > killed!.at && t.end).map((t) => t.endedAt)) : Infinity
  const clearOfKill = (t: Turn) => !killed || t.endedAt < killed.at || t.startedAt > recoveredAt
  const listed = new Map((await api<{ streams: { name: string; bytes: number }[] }>("GET", "/v1/streams")).streams.map((s) => [s.name, s.bytes]))
  let storedBytes = 0
  let countedBytes = 0
  for (const agent of agents) {
    const all = new Reader(agent.reader.stream)
    await all.until((events) => events.length >= agent.reader.seen.length)
    const stored = all.seen
    stored.forEach((e, i) => (gaps += Number.parseInt(e.offset, 10) === i + 1 ? 0 : 1))
    agent.reader.seen.forEach((e, i) => (changed += JSON.stringify(e) === JSON.stringify(stored[i]) ? 0 : 1))
    const sizes = stored.map((e) => Buffer.byteLength(JSON.stringify(e)))
    storedBytes += listed.get(agent.reader.stream) ?? 0
    countedBytes += sizes.reduce((a, b) => a + b, 0)
    for (let i = 0; i < stored.length; i++) {
      if (stored[i]!.type !== AGENT_EVENT.prompt) continue
      prompts++
      const offset = stored[i]!.offset
      const busy = stored.some((e) => isStatus(e, "busy", offset))
      // A refusal counts as the end only when the prompt was never taken.
      const ends = stored.filter((e) => (e.type === AGENT_EVENT.error ? !busy && isEnd(e, offset) : isEnd(e, offset))).length
      if (ends !== 1) wrongEnds++
      const endIndex = stored.findIndex((e) => e.type !== AGENT_EVENT.error && isEnd(e, offset))
      const measured = turns.find((t) => t.prompt === offset && t.agent === agents.indexOf(agent))
      if (!measured?.end || endIndex < 0) continue
      const own = stored.slice(i, endIndex + 1)
      const natives = own.filter((e) => HARNESS_EVENT.test(e.type)).map((e) => e.payload as OpencodeEvent)
      if (measured.abort && !(measured.end as StatusPayload).aborted && natives.map(assistantUpdate).filter((u) => u !== undefined).at(-1)?.final) repliedFirst.add(measured)
      if (measured.abort || measured.hung || (measured.end as StatusPayload).status !== "idle") continue
      perTurnBytes.push(sizes.slice(i, endIndex + 1).reduce((a, b) => a + b, 0))
      perTurnEvents.push(own.length)
      own.forEach((e, j) => {
        const type = HARNESS_EVENT.test(e.type) ? `opencode ${(e.payload as { type: string }).type}` : e.type.replace("iterate:agent:", "")
        const entry = byType.get(type) ?? { bytes: 0, events: 0 }
        entry.bytes += sizes[i + j]!
        entry.events++
        byType.set(type, entry)
      })
      const harness = own.filter((e) => HARNESS_EVENT.test(e.type)).map((e) => Date.parse(e.createdAt))
      if (!harness.length) continue
      const overhead = measured.latencyMs - (Math.max(...harness) - Math.min(...harness))
      overheads.push(overhead)
      if (clearOfKill(measured)) calm.push(overhead)
    }
  }

  const aborted = turns.filter((t) => t.abort)
  const hung = turns.filter((t) => t.hung)
  const status = (t: Turn) => (!t.end ? "never ended" : "status" in t.end ? t.end.status : "refused")
  const count = (list: Turn[], what: string) => list.filter((t) => status(t) === what).length
  const latency = turns.filter((t) => !t.hung).map((t) => t.latencyMs)
  const previous = (t: Turn) => {
    const mine = turns.filter((other) => other.agent === t.agent)
    return mine[mine.indexOf(t) - 1]
  }
  const describeHung = (t: Turn) =>
    `agent ${t.agent}, prompt at ${Number.parseInt(t.prompt, 10)}${t.abort ? `, aborted ${t.abort === "early" ? "as soon as taken" : "mid-reply"}` : ""}, after ${previous(t)?.abort ? `a turn aborted ${previous(t)!.abort === "early" ? "as soon as taken" : "mid-reply"}` : "a normal turn"}, ${t.end ? "ended by an abort" : "not even an abort ended it"}`
  const pct = (a: number, b: number) => `${b >= a ? "+" : ""}${(((b - a) / a) * 100).toFixed(1)} %`
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length
  const loads = [...warmLoad, ...samples.map((s) => s.load), endLoad]
  const errors = new Map<string, number>()
  for (const t of turns) {
    const error = t.end && "status" in t.end ? t.end.error : (t.end as ErrorPayload | undefined)?.message
    if (error) errors.set(error, (errors.get(error) ?? 0) + 1)
  }
  const abortedAs = (t: Turn) => Boolean((t.end as StatusPayload | undefined)?.aborted)
  // The supervisor logs each health check opencode did not answer in time (the current file and the rotated ones).
  const logs = readdirSync(dirname(logFile)).filter((f) => f.startsWith(basename(logFile)))
  const healthMisses = logs.map((f) => readFileSync(join(dirname(logFile), f), "utf8").match(/failed a health check/g)?.length ?? 0)
  console.log(`
### Soak: ${AGENTS} agents in ${DIRECTORIES} directories × ${TURNS} turns, concurrently (${elapsedS.toFixed(0)} s, after a warm-up of ${WARMUP} turns each in ${warmS.toFixed(0)} s)

${table(
  ["what", "result"],
  [
    ["load average (1 min) over the warm-up and the run", `${Math.min(...loads).toFixed(2)} … ${Math.max(...loads).toFixed(2)} (${loads.map((l) => l.toFixed(1)).join(", ")}); 2 cores`],
    ["turns run", `${turns.length} of ${AGENTS * TURNS}: ${count(turns, "idle")} idle, ${count(turns, "error")} error, ${count(turns, "refused")} refused, ${count(turns, "never ended")} never ended`],
    [
      "aborted by the bench",
      `${aborted.length} (${aborted.filter((t) => t.abort === "early").length} as soon as taken, the rest mid-reply): ${aborted.filter(abortedAs).length} ended as aborted, ${repliedFirst.size} had their whole reply before the abort reached opencode, ${aborted.length - aborted.filter(abortedAs).length - repliedFirst.size} neither`,
    ],
    ["errors that ended turns", [...errors].sort((a, b) => b[1] - a[1]).map(([error, n]) => `${n}× ${error}`).join("; ") || "none"],
    [`hung (not over in ${TURN_TIMEOUT_MS / 1000} s)`, hung.map(describeHung).join("; ") || "none"],
    ["warm-up turns that hung or never ended", `${warm.filter((t) => t.hung).length} / ${warm.filter((t) => !t.end).length}`],
    ["health checks opencode failed (daemon log)", healthMisses.reduce((a, b) => a + b, 0)],
    ["opencode killed -9", killed ? `pid ${killed.pid} after ${killed.atTurn} turns; back ${((recoveredAt - killed.at) / 1000).toFixed(1)} s later` : "none found"],
    ["offset gaps in the streams", gaps],
    ["events handed out live that differ from the stored ones", changed],
    ["prompts stored / sent (warm-up included)", `${prompts} / ${turns.length + warm.length}`],
    ["prompts without exactly one turn end", wrongEnds],
    ["daemon RSS before → after (each after a full GC)", `${before.rssMiB.toFixed(1)} → ${after.rssMiB.toFixed(1)} MiB (${pct(before.rssMiB, after.rssMiB)}; goal ≤ 10 %)`],
    ["… without the GC", `${rawBefore.toFixed(1)} → ${rawAfter.toFixed(1)} MiB (${pct(rawBefore, rawAfter)})`],
    ["daemon RSS every tenth of the turns, after a GC", `${samples.map((s) => s.collected.toFixed(1)).join(", ")} MiB`],
    ["… as sampled, before that GC", `${samples.map((s) => s.raw.toFixed(1)).join(", ")} MiB`],
    ["daemon open fds before → after", `${before.fds} (${before.kinds}) → ${after.fds} (${after.kinds}) (goal: no growth)`],
    ["turn latency p50 / p99", `${percentile(latency, 50).toFixed(0)} / ${percentile(latency, 99).toFixed(0)} ms`],
    ["turn overhead p50 / p99 (latency minus opencode's first-to-last event)", `${percentile(overheads, 50).toFixed(0)} / ${percentile(overheads, 99).toFixed(0)} ms`],
    ["… of the turns clear of the kill and the restart", `${percentile(calm, 50).toFixed(0)} / ${percentile(calm, 99).toFixed(0)} ms`],
    ["bytes one completed turn adds (median / mean)", `${median(perTurnBytes)} / ${mean(perTurnBytes).toFixed(0)} B in ${median(perTurnEvents)} events`],
    ["stream bytes listed / counted from the events", `${storedBytes} / ${countedBytes}`],
  ],
)}

Bytes of one completed turn by event type (mean per turn over ${perTurnBytes.length} turns; the reply is 60 characters in 10 chunks):

${table(
  ["event", "events", "bytes"],
  [...byType]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .map(([type, { bytes, events }]) => [type, (events / perTurnBytes.length).toFixed(1), (bytes / perTurnBytes.length).toFixed(0)]),
)}
`)
} finally {
  await iterate(["server", "stop"]).catch((error) => console.error(error))
  await daemon.exited
  stub.stop()
  home.close()
}
