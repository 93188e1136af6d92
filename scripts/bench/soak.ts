// Soak: 20 agents in mixed directories × 50 turns each, all at once, against the real opencode and
// the LLM stub; some turns aborted, one opencode the daemon started killed -9 halfway. Only the
// daemon's HTTP API is used (and /proc to find and watch processes). Prints what was lost or
// duplicated (the goal is nothing), the daemon's RSS and open descriptors before and after, the
// turn overhead, and the bytes one turn adds to an agent's stream.
//
//   bun run bench soak                     # builds, then runs this
//   SOAK_AGENTS=4 SOAK_TURNS=10 bun scripts/bench/soak.ts
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { AGENT_EVENT, HARNESS_EVENT, type ErrorPayload, type StatusPayload } from "../../src/protocol/agent-events.ts"
import { LlmStub, text } from "../../test/support/llm-stub.ts"
import { OPENCODE_ENV, testOpencodeBinary, writeProjectConfig } from "../../test/support/opencode-project.ts"
import { BINARY, Home, median, percentile, table } from "./_support.ts"

const AGENTS = Number(process.env.SOAK_AGENTS ?? 20)
const TURNS = Number(process.env.SOAK_TURNS ?? 50)
// Agents i and i + DIRECTORIES share a directory (and so one opencode): 20 agents in 6 folders.
const DIRECTORIES = Math.min(6, AGENTS)
const ABORT_EVERY = 10
// A turn not over by then is reported as hung; an abort is tried, and an agent whose turn does not
// end even then is given up on (its remaining turns are not run).
const TURN_TIMEOUT_MS = 60_000
const UNSTICK_MS = 15_000
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

/** TCP socket inodes → their local port, from /proc/net/tcp and tcp6. */
function tcpLocalPorts(): Map<string, number> {
  const ports = new Map<string, number>()
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"])
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/)
      if (fields.length > 9) ports.set(fields[9]!, Number.parseInt(fields[1]!.split(":")[1]!, 16))
    }
  return ports
}

/** The daemon's RSS and descriptors; TCP sockets split into its listener and clients (its port) and its own connections (to opencode); "socket" is the rest (unix). */
function daemonFigures(pid: number, port = 0) {
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024
  const kinds = new Map<string, number>()
  const ports = tcpLocalPorts()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = "gone"
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`)
    } catch {
      // closed while we looked
    }
    let kind = /^(\w+):/.exec(target)?.[1] ?? (target.startsWith("/dev/") ? "device" : "file")
    const local = ports.get(/^socket:\[(\d+)\]$/.exec(target)?.[1] ?? "")
    if (local !== undefined) kind = local === port ? "tcp on its port" : "tcp to opencode"
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
  }
  const fds = [...kinds.values()].reduce((a, b) => a + b, 0)
  return { rssMiB: rss, fds, kinds: [...kinds].map(([kind, n]) => `${n} ${kind}`).join(", ") }
}

/** The opencode servers the daemon started: its children running `opencode serve`. */
function opencodeChildren(daemon: number): { pid: number; cwd: string }[] {
  const found: { pid: number; cwd: string }[] = []
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8")
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")
      if (ppid === daemon && argv[0]!.includes("opencode") && argv.includes("serve")) found.push({ pid: Number(entry), cwd: readlinkSync(`/proc/${entry}/cwd`) })
    } catch {
      // ended while we looked
    }
  }
  return found
}

async function iterate(args: string[]): Promise<string> {
  const child = Bun.spawn([BINARY, ...args], { env, stdout: "pipe", stderr: "pipe" })
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  if (code !== 0) throw new Error(`iterate ${args.join(" ")} failed: ${stderr}`)
  return stdout
}

await iterate(["server", "start"])
const record = home.record()
const headers = { authorization: `Bearer ${record.token}`, "content-type": "application/json" }

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(record.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
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
      const response = await fetch(`${record.url}/v1/stream/${this.stream}?offset=${this.#offset}&live=long-poll`, { headers, signal }).catch(
        (error: Error) => {
          if (error.name !== "TimeoutError") throw error
        },
      )
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
  latencyMs: number
  /** not over within TURN_TIMEOUT_MS */
  hung: boolean
  /** undefined when it never ended, not even after an abort */
  end?: StatusPayload | ErrorPayload
}

const turns: Turn[] = []
let done = 0
let killed: { pid: number; cwd: string; atTurn: number } | undefined
// The daemon's RSS every tenth of the run: a leak keeps climbing, a warming cache levels off.
const rssSamples: string[] = []

const replyStreaming = (e: Event) => HARNESS_EVENT.test(e.type) && (e.payload as { type?: string }).type === "message.part.delta"

async function turn(agent: { id: string; reader: Reader }, index: number, k: number, abort?: "early" | "mid"): Promise<Turn> {
  stub.reply(reply())
  const start = performance.now()
  const { event } = await api<{ event: Event }>("POST", `/v1/agents/${agent.id}/prompt`, { text: `soak agent ${index} turn ${k}` })
  const from = agent.reader.seen.length
  const ended = (events: Event[]) => events.some((e) => isEnd(e, event.offset))
  if (abort) {
    const cue = abort === "early" ? (e: Event) => isStatus(e, "busy", event.offset) : replyStreaming
    await agent.reader.until((events) => ended(events) || events.slice(from).some(cue))
    await api("POST", `/v1/agents/${agent.id}/abort`)
  }
  const hung = !(await agent.reader.until(ended))
  const latencyMs = performance.now() - start
  if (hung) {
    await api("POST", `/v1/agents/${agent.id}/abort`)
    await agent.reader.until(ended, UNSTICK_MS)
  }
  const end = agent.reader.seen.find((e) => isEnd(e, event.offset))?.payload as StatusPayload | undefined
  return { agent: index, prompt: event.offset, abort, latencyMs, hung, end }
}

try {
  const agents = await Promise.all(
    Array.from({ length: AGENTS }, async (_, i) => {
      const created = await api<{ id: string; stream: string }>("POST", "/v1/agents", { directory: directories[i % DIRECTORIES], name: `soak-${i}` })
      return { id: created.id, reader: new Reader(created.stream) }
    }),
  )
  // Warm: every opencode started, every session made, before the first measurement.
  await Promise.all(agents.map((agent, i) => turn(agent, i, -1)))
  await Bun.sleep(2_000)
  const before = daemonFigures(record.pid, Number(new URL(record.url).port))
  const started = performance.now()

  await Promise.all(
    agents.map(async (agent, i) => {
      for (let k = 0; k < TURNS; k++) {
        const abort = (k + i) % ABORT_EVERY === ABORT_EVERY - 1 ? (k % 2 ? "mid" : "early") : undefined
        const result = await turn(agent, i, k, abort)
        turns.push(result)
        if (!result.end) return
        if (++done % Math.ceil((AGENTS * TURNS) / 10) === 0) rssSamples.push(daemonFigures(record.pid).rssMiB.toFixed(1))
        if (done === Math.floor((AGENTS * TURNS) / 2) && !killed) {
          const victim = opencodeChildren(record.pid)[0]
          if (victim) {
            process.kill(victim.pid, "SIGKILL")
            killed = { ...victim, atTurn: done }
          }
        }
      }
    }),
  )
  const elapsedS = (performance.now() - started) / 1000
  await Bun.sleep(3_000)
  const after = daemonFigures(record.pid, Number(new URL(record.url).port))

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
      if (!measured?.end || measured.abort || measured.hung || endIndex < 0 || (measured.end as StatusPayload).status !== "idle") continue
      const own = stored.slice(i, endIndex + 1)
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
      if (directories[measured.agent % DIRECTORIES] !== killed?.cwd) calm.push(overhead)
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
    `agent ${t.agent}, prompt at ${Number.parseInt(t.prompt, 10)}, after ${previous(t)?.abort ? `a turn aborted ${previous(t)!.abort === "early" ? "as soon as taken" : "mid-reply"}` : "a normal turn"}, ${t.end ? "ended by an abort" : "not even an abort ended it"}`
  const pct = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)} %`
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length
  console.log(`
### Soak: ${AGENTS} agents in ${DIRECTORIES} directories × ${TURNS} turns, concurrently (${elapsedS.toFixed(0)} s)

${table(
  ["what", "result"],
  [
    ["turns run", `${turns.length} of ${AGENTS * TURNS}: ${count(turns, "idle")} idle, ${count(turns, "error")} error, ${count(turns, "refused")} refused, ${count(turns, "never ended")} never ended`],
    ["aborted by the bench", `${aborted.length} (${aborted.filter((t) => t.abort === "early").length} as soon as taken, the rest mid-reply); ${aborted.filter((t) => (t.end as StatusPayload | undefined)?.aborted).length} ended as aborted`],
    [`hung (not over in ${TURN_TIMEOUT_MS / 1000} s)`, hung.map(describeHung).join("; ") || "none"],
    ["opencode killed -9", killed ? `pid ${killed.pid} (${killed.cwd.split("/").pop()}) after ${killed.atTurn} turns` : "none found"],
    ["offset gaps in the streams", gaps],
    ["events handed out live that differ from the stored ones", changed],
    ["prompts stored / sent (warm-up included)", `${prompts} / ${turns.length + AGENTS}`],
    ["prompts without exactly one turn end", wrongEnds],
    ["daemon RSS before → after", `${before.rssMiB.toFixed(1)} → ${after.rssMiB.toFixed(1)} MiB (${pct(before.rssMiB, after.rssMiB)}; goal ≤ 10 %)`],
    ["daemon RSS every tenth of the turns", `${rssSamples.join(", ")} MiB`],
    ["daemon open fds before → after", `${before.fds} (${before.kinds}) → ${after.fds} (${after.kinds}) (goal: no growth)`],
    ["turn latency p50 / p99", `${percentile(latency, 50).toFixed(0)} / ${percentile(latency, 99).toFixed(0)} ms`],
    ["turn overhead p50 / p99 (latency minus opencode's first-to-last event)", `${percentile(overheads, 50).toFixed(0)} / ${percentile(overheads, 99).toFixed(0)} ms`],
    ["… in the directories whose opencode was not killed", `${percentile(calm, 50).toFixed(0)} / ${percentile(calm, 99).toFixed(0)} ms`],
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
  stub.stop()
  home.close()
}
