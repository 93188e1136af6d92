// A warm turn through iterate (`iterate run --agent A hi`: the CLI, the daemon, the agent's
// long-lived claude) and through the Claude Code harness alone (a prompt to its stream-json
// process, awaited until the session reports the turn over) against `claude -p hi`, one process
// per turn, all on the same Anthropic stub; and the memory of one idle claude process. Each round
// runs the contenders once, in turn, so a slow patch of the machine hits them alike. Prints a
// markdown table of medians; the goal is iterate within 0.2× of `claude -p`.
import { createClaudeHarness, OFFLINE_ENV } from "../../src/harness/claude/index.ts"
import { AnthropicStub, text } from "../../test/support/anthropic-stub.ts"
import { createClaudeProject, ClaudeEvents, testClaudeBinary } from "../../test/support/claude-project.ts"
import { anthropicStubEnv, cleanUp, folderIn, iterateHome, rounds, timedIterate } from "./_agents.ts"
import { timedProcess, treeMiB } from "./_support.ts"

const ROUNDS = 20
const WARMUP = 3
const TARGET_RATIO = 0.2

const stub = new AnthropicStub().start()
const project = createClaudeProject(stub.url)
const binary = testClaudeBinary()
const harness = createClaudeHarness(project.context())
const events = new ClaudeEvents()
const session = harness.open({ id: "bench", name: "bench", directory: project.directory }, events)
// A user's setup: the stub as provider where the daemon starts, claude in config.json.
const home = iterateHome("claude", { claude: { binary } }, anthropicStubEnv(stub.url))
const agentDirectory = folderIn(home, "project")
const throughIterate = () => timedIterate(home, ["run", "--agent", "bench", "hi"])

async function warmTurn(): Promise<number> {
  const ends = events.turns.length + 1
  const start = performance.now()
  await session.prompt({ text: "hi" })
  await events.turn(ends)
  return performance.now() - start
}

const oneShot = () => timedProcess([binary, "-p", "hi"], { cwd: project.directory, env: { ...project.env, ...OFFLINE_ENV } })

try {
  await home.iterate(["agents", "new", "--harness", "claude", "--dir", agentDirectory, "--name", "bench"])
  const { iterate: through, warm, cold } = await rounds(
    { iterate: throughIterate, warm: warmTurn, cold: oneShot },
    { count: ROUNDS, warmup: WARMUP, before: () => stub.reply(text("ok"), text("ok"), text("ok")) },
  )
  // Idle for a moment after its last turn, as a session between prompts is.
  await Bun.sleep(2_000)
  const rss = process.platform === "linux" ? treeMiB((session as unknown as { pid: number }).pid) : Number.NaN

  const ratio = through / cold
  console.log(`
### Claude Code: one turn on the stub (${ROUNDS} rounds, medians in ms)

| what | median | × claude -p |
| --- | ---: | ---: |
| \`iterate run --agent A hi\` (the agent's warm claude, through the daemon) | ${through.toFixed(1)} | ${ratio.toFixed(3)} |
| a prompt to the harness session's warm claude → turn over (no CLI, no daemon) | ${warm.toFixed(1)} | ${(warm / cold).toFixed(3)} |
| \`claude -p hi\` (a new process per turn) | ${cold.toFixed(1)} | 1.000 |

iterate / one-shot: ${ratio.toFixed(3)} (target ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? "met" : "missed"}); \
one idle claude process: ${rss.toFixed(0)} MB resident.
`)
} finally {
  await cleanUp(home, harness, stub, project)
}
