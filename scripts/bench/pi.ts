// A warm turn through iterate (`iterate run --agent A hi`: the CLI, the daemon, the agent's
// long-lived pi) and through the Pi harness's session alone (the iterate binary as pi's runtime,
// as a user gets it) against `pi -p` started afresh per turn — under Node, the way npm installs
// it, and under Bun — all on the same LLM stub; and the memory of one idle pi process. Each round
// runs the contenders once, in turn, so a slow patch of the machine hits them alike. Prints a
// markdown table of medians; the goal is iterate within 0.2× of `pi -p` under Node.
import { join } from "node:path"
import type { TurnEnd } from "../../src/harness/harness.ts"
import { createPiHarness } from "../../src/harness/pi/index.ts"
import { LlmStub, text } from "../../test/support/llm-stub.ts"
import { PiSessionEvents } from "../../test/support/pi-harness.ts"
import { createPiProject, PI_STUB_MODEL, testPiCli, writeModels } from "../../test/support/pi-project.ts"
import { cleanUp, folderIn, iterateHome, rounds, timedIterate } from "./_agents.ts"
import { BINARY, ms, rssMiB, table } from "./_support.ts"

const ROUNDS = 10
const WARMUP = 3
const GOAL = 0.2

const stub = new LlmStub().start()
const project = createPiProject(stub.url)
const context = project.context({ runtime: BINARY })
const harness = createPiHarness(context)
const events = new PiSessionEvents()
const session = harness.open({ id: "bench", name: "bench", directory: project.directory, model: PI_STUB_MODEL }, events)
// A user's setup: Pi's own folder with the stub as its provider, pi in config.json.
const home = iterateHome("pi", { pi: { binary: testPiCli() } }, (root) => ({ PI_CODING_AGENT_DIR: join(root, "pi-agent"), PI_OFFLINE: "1", PI_TELEMETRY: "0" }))
writeModels(home.env.PI_CODING_AGENT_DIR!, stub.url)
const agentDirectory = folderIn(home, "project")

function throughIterate(): Promise<number> {
  stub.reply(text("ok"))
  return timedIterate(home, ["run", "--agent", "bench", "hi"])
}

async function warmTurn(): Promise<number> {
  stub.reply(text("ok"))
  const ended = events.turns.length
  const start = performance.now()
  await session.prompt({ text: "hi" })
  const end: TurnEnd = await events.turn(ended + 1)
  const elapsed = performance.now() - start
  if (end.status !== "idle") throw new Error(`the turn failed: ${end.error}`)
  return elapsed
}

// Never spawnSync: the stub answering the model lives in this process's event loop.
async function printTurn(runtime: string): Promise<number> {
  stub.reply(text("ok"))
  const start = performance.now()
  const child = Bun.spawn([runtime, testPiCli(), "--model", PI_STUB_MODEL, "-p", "hi"], { cwd: project.directory, env: context.env, stdout: "pipe", stderr: "pipe" })
  const [out, code] = await Promise.all([new Response(child.stdout).text(), child.exited])
  const elapsed = performance.now() - start
  if (code !== 0 || out.trim() !== "ok") throw new Error(`pi -p under ${runtime} failed (exit ${code}): ${await new Response(child.stderr).text()}`)
  return elapsed
}

try {
  await home.iterate(["agents", "new", "--harness", "pi", "--dir", agentDirectory, "--name", "bench", "--model", PI_STUB_MODEL])
  const medians = await rounds(
    { iterate: throughIterate, session: warmTurn, node: () => printTurn("node"), bun: () => printTurn("bun") },
    { count: ROUNDS, warmup: WARMUP },
  )
  await Bun.sleep(1_000)
  const idle = rssMiB(events.started.at(-1)!)

  const node = medians.node
  const ratio = medians.iterate / node
  console.log(`
### Pi: one turn on the LLM stub (${ROUNDS} rounds, medians)

${table(
  ["what", "median", "× pi -p (node)"],
  [
    ["`iterate run --agent A hi` (the agent's warm pi, through the daemon)", ms(medians.iterate), ratio.toFixed(3)],
    ["warm turn through the Pi session alone (pi run by the iterate binary; no CLI, no daemon)", ms(medians.session), (medians.session / node).toFixed(3)],
    ["`pi -p hi` under Node (a new process per turn)", ms(node), "1.000"],
    ["`pi -p hi` under Bun (a new process per turn)", ms(medians.bun), (medians.bun / node).toFixed(3)],
  ],
)}

iterate vs \`pi -p\` under Node: ${ratio.toFixed(3)}× (goal ≤ ${GOAL}×: ${ratio <= GOAL ? "met" : "missed"}). \
One idle pi process (iterate binary as runtime): ${idle.toFixed(0)} MB RSS.
`)
} finally {
  await cleanUp(home, harness, stub, project)
}
