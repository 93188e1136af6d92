// A warm turn through `iterate run` against the harness's own one-shot CLI (`opencode run`, which
// starts opencode for the turn) and against `opencode run --attach` on the same warm opencode (the
// one the daemon supervises), all on the same LLM stub, with the harness's own API as the floor:
// a prompt sent straight to opencode and its idle awaited on its event stream, no CLI at all.
// Each round runs them once, in turn, so a slow patch of the machine hits them alike.
// Prints a markdown table of medians; the goal is iterate ≤ 0.2× the one-shot CLI.
import { readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { OpencodeClient } from "../../src/harness/opencode/client.ts"
import { sessionIdOf, turnStatus } from "../../src/harness/opencode/events.ts"
import { text } from "../../test/support/llm-stub.ts"
import { STUB_MODEL, writeProjectConfig } from "../../test/support/opencode-project.ts"
import { agentHome, folderIn } from "./_agents.ts"
import { BINARY, timedProcess } from "./_support.ts"

const ROUNDS = 20
const WARMUP = 3
const TARGET_MS = 50
const TARGET_RATIO = 0.2
// `opencode run` starts a whole opencode each time: a few rounds tell its median well enough.
const ONE_SHOT_ROUNDS = 5

const home = agentHome("agents")
const { root, env, stub, opencode, iterate } = home
const project = folderIn(home, "project")
writeProjectConfig(project, stub.url)

const timed = (argv: string[], extraEnv: Record<string, string> = {}) => timedProcess(argv, { cwd: project, env: { ...env, ...extraEnv } })

/** One turn straight through opencode's API: prompt_async, then wait for the session's idle. */
async function direct(client: OpencodeClient, sessionId: string): Promise<number> {
  const stop = new AbortController()
  const events = client.events(stop.signal)
  await events.next() // server.connected: the subscription is live before the prompt goes out
  const start = performance.now()
  await client.prompt(project, sessionId, { text: "hi" })
  for await (const { payload } of events) if (sessionIdOf(payload) === sessionId && turnStatus(payload) === "idle") break
  const elapsed = performance.now() - start
  stop.abort()
  return elapsed
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

try {
  const agent = (await iterate(["agents", "new", "--dir", project, "--name", "bench"])).trim()
  for (let i = 0; i < WARMUP; i++) {
    stub.reply(text("warming up"))
    await iterate(["run", "--agent", agent, "hi"])
  }
  // The daemon's own opencode, reached the way `iterate attach` reaches it.
  const record = JSON.parse(readFileSync(join(root, "state", "iterate", "daemon.json"), "utf8"))
  const response = await fetch(`${record.url}/v1/agents/${agent}/attach`, { method: "POST", headers: { authorization: `Bearer ${record.token}` } })
  const { argv, env: credentials } = (await response.json()) as { argv: string[]; env: Record<string, string> }
  const url = argv[2]!
  const client = new OpencodeClient(url, { username: credentials.OPENCODE_SERVER_USERNAME!, password: credentials.OPENCODE_SERVER_PASSWORD! })
  // Separate sessions, so that no contender's history grows faster than another's.
  const directSession = (await client.createSession(project, { title: "bench direct" })).id
  const attachSession = (await client.createSession(project, { title: "bench attach" })).id
  stub.reply(text("warming up"))
  await timed([opencode, "run", "--attach", url, "--dir", project, "--session", attachSession, "hi"], credentials)

  const samples = { direct: [] as number[], opencode: [] as number[], iterate: [] as number[], oneShot: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    stub.reply(text("ok"), text("ok"), text("ok"))
    samples.direct.push(await direct(client, directSession))
    samples.opencode.push(await timed([opencode, "run", "--attach", url, "--dir", project, "--session", attachSession, "hi"], credentials))
    samples.iterate.push(await timed([BINARY, "run", "--agent", agent, "hi"]))
    if (round < ONE_SHOT_ROUNDS) {
      stub.reply(text("ok"))
      samples.oneShot.push(await timed([opencode, "run", "--dir", project, "--model", STUB_MODEL, "hi"]))
    }
  }

  const floor = median(samples.direct)
  const row = (what: string, values: number[]) => `| ${what} | ${median(values).toFixed(1)} | ${(median(values) - floor).toFixed(1)} |`
  const overhead = median(samples.iterate) - floor
  const ratio = median(samples.iterate) / median(samples.oneShot)
  console.log(`
### Agents: one turn on a warm opencode (${ROUNDS} rounds, medians in ms)

| what | median | over the API |
| --- | ---: | ---: |
${row("opencode API: prompt_async → idle on /event", samples.direct)}
${row("`opencode run --attach URL --dir D --session S hi`", samples.opencode)}
${row(`\`opencode run --dir D --model M hi\` (the harness's one-shot CLI, ${ONE_SHOT_ROUNDS} rounds)`, samples.oneShot)}
${row("`iterate run --agent A hi`", samples.iterate)}

iterate's warm turn is ${ratio.toFixed(3)}× the one-shot \`opencode run\` (goal ≤ ${TARGET_RATIO}×: ${ratio <= TARGET_RATIO ? "met" : "missed"}); \
its overhead over the harness's API: ${overhead.toFixed(1)} ms (target ≤ ${TARGET_MS} ms: ${overhead <= TARGET_MS ? "met" : "missed"}); \
against \`opencode run --attach\`: ${(median(samples.iterate) - median(samples.opencode)).toFixed(1)} ms.
`)
} finally {
  await iterate(["server", "stop"])
  stub.stop()
  rmSync(root, { recursive: true, force: true })
}
