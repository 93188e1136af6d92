// Codex: a warm turn through iterate (`iterate run --agent A hi`: the CLI, the daemon, the agent's
// thread on the shared, running codex app-server) and through the Codex harness alone (a prompt to
// its session, awaited until the turn is over) against `codex exec hi`, one process per turn, all
// on the same Responses stub; then the idle memory (resident, of every process the daemon's codex
// runs) of one Codex agent and of ten in ten directories. Each round runs the contenders once, in
// turn, so a slow patch of the machine hits them alike. Prints markdown tables of medians; the
// goal is iterate within 0.3× of `codex exec`.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { createCodexHarness } from "../../src/harness/codex/index.ts"
import { createCodexProject, testCodexBinary, writeCodexConfig } from "../../test/support/codex-project.ts"
import { ResponsesStub, text } from "../../test/support/responses-stub.ts"
import { cleanUp, folderIn, iterateHome, rounds, TurnEndEvents, timedIterate, timedTurn } from "./_agents.ts"
import { timedProcess, treeMiB } from "./_support.ts"

const ROUNDS = 20
const WARMUP = 3
const TARGET_RATIO = 0.3
const AGENTS = 10
/** How long the agents sit idle before their memory is read. */
const IDLE_MS = 5_000

const stub = new ResponsesStub().start()
const project = createCodexProject(stub.url)
const binary = testCodexBinary()
const harness = createCodexHarness(project.context())
const events = new TurnEndEvents()
const session = harness.open({ id: "bench", name: "bench", directory: project.directory }, events)
// A user's setup: CODEX_HOME's config.toml names the stub as the provider, codex in config.json.
const home = iterateHome("codex", { codex: { binary } }, (root) => ({ CODEX_HOME: join(root, "codex-home") }))
writeCodexConfig(join(home.root, "codex-home"), stub.url)
const throughIterate = () => timedIterate(home, ["run", "--agent", "bench", "hi"])

const warmTurn = () => timedTurn(session, events)
const oneShot = () => timedProcess([binary, "exec", "--skip-git-repo-check", "hi"], { cwd: project.directory, env: project.env })

/** Every process the benchmark daemon's codex runs (the app-servers and what they started), in MiB. */
function daemonCodexMiB(): { processes: number; mib: number } {
  const servers = [...new Bun.Glob("[0-9]*").scanSync({ cwd: "/proc", onlyFiles: false })].map(Number).filter((pid) => {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8")
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[1] === "app-server" && environ.includes("ITERATE_CODEX_SERVER=") && environ.includes(`\0HOME=${home.root}\0`)
    } catch {
      return false
    }
  })
  return { processes: servers.length, mib: servers.reduce((sum, pid) => sum + treeMiB(pid), 0) }
}

try {
  await home.iterate(["agents", "new", "--harness", "codex", "--dir", folderIn(home, "bench"), "--name", "bench"])
  const { iterate: through, warm, cold } = await rounds(
    { iterate: throughIterate, warm: warmTurn, cold: oneShot },
    { count: ROUNDS, warmup: WARMUP, before: () => stub.reply(text("ok"), text("ok"), text("ok")) },
  )
  const ratio = through / cold

  let memory = ""
  if (process.platform === "linux") {
    await harness.stop()
    await Bun.sleep(IDLE_MS)
    const one = daemonCodexMiB()
    for (let i = 1; i < AGENTS; i++) {
      stub.reply(text("ok"))
      await home.iterate(["run", "--harness", "codex", "--dir", folderIn(home, `project-${i}`), "hi"])
    }
    await Bun.sleep(IDLE_MS)
    const ten = daemonCodexMiB()
    memory = `
### Codex: idle memory (resident, every process of the daemon's codex, ${IDLE_MS / 1000} s after the last turn)

| agents | app-servers | MiB |
| ---: | ---: | ---: |
| 1 | ${one.processes} | ${one.mib.toFixed(0)} |
| ${AGENTS} in ${AGENTS} directories | ${ten.processes} | ${ten.mib.toFixed(0)} |
`
  }
  console.log(`
### Codex: one turn on the stub (${ROUNDS} rounds, medians in ms)

| what | median | × codex exec |
| --- | ---: | ---: |
| \`iterate run --agent A hi\` (the agent's thread on the running app-server, through the daemon) | ${through.toFixed(1)} | ${ratio.toFixed(3)} |
| a prompt to the harness session's thread → turn over (no CLI, no daemon) | ${warm.toFixed(1)} | ${(warm / cold).toFixed(3)} |
| \`codex exec hi\` (a new process per turn) | ${cold.toFixed(1)} | 1.000 |

iterate / one-shot: ${ratio.toFixed(3)} (target ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? "met" : "missed"}).
${memory}`)
} finally {
  await cleanUp(home, harness, stub, project)
}
