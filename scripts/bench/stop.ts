// How quickly the daemon stops, and takes its harnesses along. For each harness (opencode,
// claude, pi, codex, and claude-agent-acp as the ACP agent) one agent, first idle after a turn (its harness process up), then busy: running a
// shell command that ignores SIGTERM (`trap "" TERM; sleep 300`), which only SIGKILL ends.
//   - `iterate server stop`: wall time of the command (it returns once the daemon has exited);
//   - `iterate server restart` (idle): its stop half (from the command's start until the old
//     daemon and every process it had started are gone) and the whole command;
//   - kill -9 of the daemon: the time until the last process it had started is gone (given up
//     on after GIVE_UP_MS; then the next daemon stops them).
// A process counts as the daemon's when its environment holds the benchmark's HOME: harnesses
// and the commands they run inherit it. Also the resident memory of the daemon's watchdog. Each
// is run ROUNDS times; the table shows medians, and how many processes a stop or a kill -9 left
// behind. Goal: ≤ 1 s for a stop and for restart's stop half, ≤ 5 s from kill -9 to the last
// harness process gone.
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { isAlive } from "../../src/os/process.ts"
import * as anthropic from "../../test/support/anthropic-stub.ts"
import { testClaudeAcp, testClaudeBinary } from "../../test/support/claude-project.ts"
import { testCodexBinary, writeCodexConfig } from "../../test/support/codex-project.ts"
import * as openai from "../../test/support/llm-stub.ts"
import { OPENCODE_ENV, testOpencodeBinary, writeProjectConfig } from "../../test/support/opencode-project.ts"
import { PI_STUB_MODEL, testPiCli, writeModels } from "../../test/support/pi-project.ts"
import * as responses from "../../test/support/responses-stub.ts"
import { type IterateHome, iterateHome } from "./_agents.ts"
import { median, table } from "./_support.ts"

const ROUNDS = 3
const STOP_GOAL_MS = 1_000
const KILL_GOAL_MS = 5_000
const GIVE_UP_MS = 20_000
const COMMAND = `touch started; trap "" TERM; sleep 300`

if (process.platform !== "linux") {
  console.log("stop: reads /proc, so it runs on Linux only")
  process.exit(0)
}

interface Setup {
  home: IterateHome
  /** the agent's directory */
  project: string
  /** `agents new` arguments besides --name and --dir */
  args: string[]
  /** scripts a text reply */
  text(): void
  /** scripts a call of the harness's shell tool */
  command(line: string): void
  stop(): void
}

function opencode(): Setup {
  const stub = new openai.LlmStub().start()
  const home = iterateHome("stop-opencode", { opencode: { binary: testOpencodeBinary() } }, () => OPENCODE_ENV)
  const project = join(home.root, "project")
  mkdirSync(project)
  writeProjectConfig(project, stub.url)
  return {
    home,
    project,
    args: ["--harness", "opencode"],
    text: () => stub.reply(openai.text("ok")),
    command: (line) => stub.reply(openai.toolCall("bash", { command: line, description: "Wait" })),
    stop: () => stub.stop(),
  }
}

/** Claude Code, itself or under claude-agent-acp (an ACP agent, which runs it), on the Anthropic stub. */
function claudeOn(harness: "claude" | "claude-acp"): Setup {
  const stub = new anthropic.AnthropicStub().start()
  const config = harness === "claude" ? { claude: { binary: testClaudeBinary() } } : { "claude-acp": { acp: testClaudeAcp() } }
  const home = iterateHome(`stop-${harness}`, config, (root) => ({
    ANTHROPIC_BASE_URL: stub.url,
    ANTHROPIC_API_KEY: "sk-ant-stub",
    CLAUDE_CONFIG_DIR: join(root, "claude-config"),
    IS_SANDBOX: "1",
  }))
  const project = join(home.root, "project")
  mkdirSync(project)
  return {
    home,
    project,
    args: ["--harness", harness],
    text: () => stub.reply(anthropic.text("ok")),
    command: (line) => stub.reply(anthropic.toolUse("Bash", { command: line, description: "Wait" })),
    stop: () => stub.stop(),
  }
}

function codex(): Setup {
  const stub = new responses.ResponsesStub().start()
  const home = iterateHome("stop-codex", { codex: { binary: testCodexBinary() } }, (root) => ({ CODEX_HOME: join(root, "codex-home") }))
  writeCodexConfig(join(home.root, "codex-home"), stub.url)
  const project = join(home.root, "project")
  mkdirSync(project)
  return {
    home,
    project,
    args: ["--harness", "codex"],
    text: () => stub.reply(responses.text("ok")),
    command: (line) => stub.reply(responses.exec(line)),
    stop: () => stub.stop(),
  }
}

function pi(): Setup {
  const stub = new openai.LlmStub().start()
  const home = iterateHome("stop-pi", { pi: { binary: testPiCli() } }, (root) => ({ PI_CODING_AGENT_DIR: join(root, "pi-agent"), PI_OFFLINE: "1", PI_TELEMETRY: "0" }))
  writeModels(home.env.PI_CODING_AGENT_DIR!, stub.url)
  const project = join(home.root, "project")
  mkdirSync(project)
  return {
    home,
    project,
    args: ["--harness", "pi", "--model", PI_STUB_MODEL],
    text: () => stub.reply(openai.text("ok")),
    command: (line) => stub.reply(openai.toolCall("bash", { command: line })),
    stop: () => stub.stop(),
  }
}

/** Every live process whose environment holds HOME=`root`, but this one: the daemon, its watchdog, its harnesses and their commands. */
function processesOf(root: string): number[] {
  const marker = `\0HOME=${root}\0`
  return [...new Bun.Glob("[0-9]*").scanSync({ cwd: "/proc", onlyFiles: false })].map(Number).filter((pid) => {
    if (pid === process.pid) return false
    try {
      return `\0${readFileSync(`/proc/${pid}/environ`, "utf8")}`.includes(marker) && isAlive(pid)
    } catch {
      return false
    }
  })
}

const commandLine = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
  } catch {
    return []
  }
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN) / 1024

/** The ms from `since` until none of `pids` is alive, polled every 5 ms; Infinity when some still run after GIVE_UP_MS. */
async function goneAfter(pids: number[], since: number): Promise<number> {
  while (pids.some(isAlive)) {
    if (performance.now() - since > GIVE_UP_MS) return Number.POSITIVE_INFINITY
    await Bun.sleep(5)
  }
  return performance.now() - since
}

const daemonPid = (home: IterateHome): number => JSON.parse(readFileSync(join(home.root, "state", "iterate", "daemon.json"), "utf8")).pid

interface Figures {
  stop: number[]
  restartStop: number[]
  restart: number[]
  kill: number[]
  busyStop: number[]
  busyKill: number[]
  /** processes still there after a stop returned, or GIVE_UP_MS after a kill -9 */
  left: number
  watchdogMb: number
}

async function measure(setup: Setup): Promise<Figures> {
  const { home } = setup
  const f: Figures = { stop: [], restartStop: [], restart: [], kill: [], busyStop: [], busyKill: [], left: 0, watchdogMb: Number.NaN }
  const idle = async () => {
    setup.text()
    await home.iterate(["prompt", "bench", "hi"])
  }
  const busy = async () => {
    rmSync(join(setup.project, "started"), { force: true })
    setup.command(COMMAND)
    await home.iterate(["prompt", "bench", "--no-wait", "wait"])
    const deadline = performance.now() + 60_000
    while (!processesOf(home.root).some((pid) => commandLine(pid).join(" ") === "sleep 300 ")) {
      if (performance.now() > deadline) throw new Error("the command did not start")
      await Bun.sleep(20)
    }
  }
  const stop = async (into: number[]) => {
    const start = performance.now()
    await home.iterate(["server", "stop"])
    into.push(performance.now() - start)
    f.left += processesOf(home.root).filter((pid) => !commandLine(pid)[2]?.startsWith("# iterate's watchdog")).length
  }
  const kill = async (into: number[]) => {
    const all = processesOf(home.root)
    const start = performance.now()
    process.kill(daemonPid(home), "SIGKILL")
    into.push(await goneAfter(all, start))
    f.left += all.filter(isAlive).length
  }

  await home.iterate(["agents", "new", "--name", "bench", "--dir", setup.project, "--permissions", "allow-all", ...setup.args])
  for (let round = 0; round < ROUNDS; round++) {
    await idle()
    const watchdog = processesOf(home.root).find((pid) => commandLine(pid)[2]?.startsWith("# iterate's watchdog"))
    if (watchdog) f.watchdogMb = rssMb(watchdog)
    await stop(f.stop)

    await idle()
    const before = processesOf(home.root)
    const start = performance.now()
    const restart = home.iterate(["server", "restart"])
    f.restartStop.push(await goneAfter(before, start))
    await restart
    f.restart.push(performance.now() - start)

    await idle()
    await kill(f.kill)
    await busy()
    await stop(f.busyStop)
    await busy()
    await kill(f.busyKill)
  }
  await home.iterate(["server", "stop"]).catch(() => {})
  return f
}

const fmt = (values: number[]) => (Number.isFinite(median(values)) ? `${median(values).toFixed(0)} ms` : `> ${GIVE_UP_MS / 1000} s`)

const rows: string[][] = []
let watchdogMb = Number.NaN
const harnesses = { opencode, claude: () => claudeOn("claude"), pi, codex, "claude-acp": () => claudeOn("claude-acp") }
for (const [name, make] of Object.entries(harnesses)) {
  const setup = make()
  try {
    const f = await measure(setup)
    watchdogMb = f.watchdogMb
    rows.push([name, fmt(f.stop), fmt(f.restartStop), fmt(f.restart), fmt(f.kill), fmt(f.busyStop), fmt(f.busyKill), String(f.left)])
  } finally {
    setup.stop()
    if (existsSync(setup.home.root)) rmSync(setup.home.root, { recursive: true, force: true })
  }
}

console.log(`
### Stopping: one agent per harness, idle and running a command that ignores SIGTERM (medians of ${ROUNDS})

${table(
  ["harness", "idle: `server stop`", "idle: `server restart`, stop half", "idle: `server restart`, whole", "idle: kill -9 → last process gone", "busy: `server stop`", "busy: kill -9 → last process gone", "processes left"],
  rows,
)}

Goal: ≤ ${STOP_GOAL_MS} ms for \`server stop\` and for restart's stop half, ≤ ${KILL_GOAL_MS} ms from kill -9 to the last harness process gone. \
The daemon's watchdog: ${Number.isFinite(watchdogMb) ? `${watchdogMb.toFixed(1)} MB resident, one per daemon` : "none"}.
`)
