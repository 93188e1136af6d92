// How quickly the daemon stops, and takes its harnesses along: for each harness (opencode, claude,
// pi) one agent that answered a prompt and sits idle, its harness process up, then
//   - `iterate server stop`: wall time of the command (it returns once the daemon has exited);
//   - `iterate server restart`: its stop half (from the command's start until the old daemon and
//     every process it had started are gone) and the whole command;
//   - kill -9 of the daemon: the time until the last process it had started is gone.
// A process counts as the daemon's when its environment holds the benchmark's HOME (harnesses and
// the commands they run inherit it). Each is run ROUNDS times; the table shows medians, and how
// many processes were left behind after a stop (should be none). Goal: ≤ 1 s for a stop and for
// restart's stop half, ≤ 5 s from kill -9 to the last harness process gone.
import { mkdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { isAlive } from "../../src/os/process.ts"
import * as anthropic from "../../test/support/anthropic-stub.ts"
import { testClaudeBinary } from "../../test/support/claude-project.ts"
import * as openai from "../../test/support/llm-stub.ts"
import { OPENCODE_ENV, testOpencodeBinary, writeProjectConfig } from "../../test/support/opencode-project.ts"
import { PI_STUB_MODEL, testPiCli, writeModels } from "../../test/support/pi-project.ts"
import { type IterateHome, iterateHome } from "./_agents.ts"
import { median, table } from "./_support.ts"

const ROUNDS = 3
const STOP_GOAL_MS = 1_000
const KILL_GOAL_MS = 5_000
const GIVE_UP_MS = 20_000

if (process.platform !== "linux") {
  console.log("stop: reads /proc, so it runs on Linux only")
  process.exit(0)
}

interface Setup {
  home: IterateHome
  /** scripts the next reply and sends a prompt, waiting for the answer */
  prompt(): Promise<void>
  close(): void
}

function opencode(): Setup {
  const stub = new openai.LlmStub().start()
  const home = iterateHome("stop-opencode", { opencode: { binary: testOpencodeBinary() } }, () => OPENCODE_ENV)
  const project = join(home.root, "project")
  mkdirSync(project)
  writeProjectConfig(project, stub.url)
  return agentSetup(home, ["--harness", "opencode", "--dir", project], () => stub.reply(openai.text("ok")), () => stub.stop())
}

function claude(): Setup {
  const stub = new anthropic.AnthropicStub().start()
  const home = iterateHome("stop-claude", { claude: { binary: testClaudeBinary() } }, (root) => ({
    ANTHROPIC_BASE_URL: stub.url,
    ANTHROPIC_API_KEY: "sk-ant-stub",
    CLAUDE_CONFIG_DIR: join(root, "claude-config"),
  }))
  const project = join(home.root, "project")
  mkdirSync(project)
  return agentSetup(home, ["--harness", "claude", "--dir", project], () => stub.reply(anthropic.text("ok")), () => stub.stop())
}

function pi(): Setup {
  const stub = new openai.LlmStub().start()
  const home = iterateHome("stop-pi", { pi: { binary: testPiCli() } }, (root) => ({ PI_CODING_AGENT_DIR: join(root, "pi-agent"), PI_OFFLINE: "1", PI_TELEMETRY: "0" }))
  writeModels(home.env.PI_CODING_AGENT_DIR!, stub.url)
  const project = join(home.root, "project")
  mkdirSync(project)
  return agentSetup(home, ["--harness", "pi", "--model", PI_STUB_MODEL, "--dir", project], () => stub.reply(openai.text("ok")), () => stub.stop())
}

function agentSetup(home: IterateHome, newArgs: string[], reply: () => void, stopStub: () => void): Setup {
  let made = false
  return {
    home,
    async prompt() {
      if (!made) await home.iterate(["agents", "new", "--name", "bench", ...newArgs])
      made = true
      reply()
      await home.iterate(["prompt", "bench", "hi"])
    },
    close() {
      stopStub()
      rmSync(home.root, { recursive: true, force: true })
    },
  }
}

/** Every live process whose environment holds HOME=`root`, but this one: the daemon, its harnesses and their commands. */
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
  leftAfterStop: number
  restartStop: number[]
  restart: number[]
  kill: number[]
}

async function measure(setup: Setup): Promise<Figures> {
  const { home } = setup
  const figures: Figures = { stop: [], leftAfterStop: 0, restartStop: [], restart: [], kill: [] }
  for (let round = 0; round < ROUNDS; round++) {
    await setup.prompt()
    let start = performance.now()
    await home.iterate(["server", "stop"])
    figures.stop.push(performance.now() - start)
    figures.leftAfterStop += processesOf(home.root).length

    await setup.prompt()
    const before = processesOf(home.root)
    start = performance.now()
    const restart = home.iterate(["server", "restart"])
    figures.restartStop.push(await goneAfter(before, start))
    await restart
    figures.restart.push(performance.now() - start)

    await setup.prompt()
    const daemon = daemonPid(home)
    const all = processesOf(home.root)
    start = performance.now()
    process.kill(daemon, "SIGKILL")
    figures.kill.push(await goneAfter(all, start))
    // The next daemon (started by the next prompt) would stop what is left; nothing should be.
    figures.leftAfterStop += all.filter(isAlive).length
  }
  await home.iterate(["server", "stop"]).catch(() => {})
  return figures
}

const fmt = (values: number[]) => (Number.isFinite(median(values)) ? `${median(values).toFixed(0)} ms` : `> ${GIVE_UP_MS / 1000} s`)

const rows: string[][] = []
for (const [name, make] of Object.entries({ opencode, claude, pi })) {
  const setup = make()
  try {
    const f = await measure(setup)
    rows.push([name, fmt(f.stop), fmt(f.restartStop), fmt(f.restart), fmt(f.kill), String(f.leftAfterStop)])
  } finally {
    setup.close()
  }
}

console.log(`
### Stopping: one idle agent per harness (medians of ${ROUNDS})

${table(["harness", "`server stop`", "`server restart`: stop half", "`server restart`: whole", "kill -9 → last harness process gone", "processes left"], rows)}

Goal: ≤ ${STOP_GOAL_MS} ms for \`server stop\` and for restart's stop half, ≤ ${KILL_GOAL_MS} ms from kill -9 to the last harness process gone.
`)
