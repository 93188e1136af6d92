// `iterate run` against `opencode run --attach`, both on the same warm opencode (the one the
// daemon supervises) and the same LLM stub, with the harness's own API as the floor: a prompt
// sent straight to opencode and its idle awaited on its event stream, no CLI at all. Each
// round runs the three once, in turn, so a slow patch of the machine hits them alike.
// Prints a markdown table of medians; iterate's overhead is measured against that floor.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { OpencodeClient } from "../../src/harness/opencode/client.ts"
import { sessionIdOf, turnStatus } from "../../src/harness/opencode/events.ts"
import { LlmStub, text } from "../../test/support/llm-stub.ts"
import { OPENCODE_ENV, testOpencodeBinary, writeProjectConfig } from "../../test/support/opencode-project.ts"

const ROUNDS = 20
const WARMUP = 3
const TARGET_MS = 50
const BINARY = new URL("../../dist/iterate", import.meta.url).pathname

const root = mkdtempSync(join(tmpdir(), "iterate-bench-agents-"))
const project = join(root, "project")
mkdirSync(project)
mkdirSync(join(root, "config", "iterate"), { recursive: true })
const stub = new LlmStub().start()
writeProjectConfig(project, stub.url)
const opencode = testOpencodeBinary()
writeFileSync(join(root, "config", "iterate", "config.json"), JSON.stringify({ harnesses: { opencode: { binary: opencode } } }))
const env: Record<string, string | undefined> = {
  ...process.env,
  HOME: root,
  XDG_STATE_HOME: join(root, "state"),
  XDG_DATA_HOME: join(root, "data"),
  XDG_CONFIG_HOME: join(root, "config"),
  XDG_CACHE_HOME: join(root, "cache"),
  NO_COLOR: "1",
  ...OPENCODE_ENV,
}

// Never spawnSync here: the stub answering the model calls lives in this process's event loop.
async function iterate(args: string[]): Promise<string> {
  const child = Bun.spawn([BINARY, ...args], { env, cwd: project, stderr: "pipe" })
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  if (code !== 0) throw new Error(`iterate ${args.join(" ")} failed: ${stderr}`)
  return stdout
}

/** Wall time of one process, from spawn to exit; fails loudly when it does not succeed. */
async function timed(argv: string[], extraEnv: Record<string, string> = {}): Promise<number> {
  const start = performance.now()
  const child = Bun.spawn(argv, { env: { ...env, ...extraEnv }, cwd: project, stdout: "ignore", stderr: "pipe" })
  const code = await child.exited
  const elapsed = performance.now() - start
  if (code !== 0) throw new Error(`${argv.slice(0, 2).join(" ")} exited ${code}: ${await new Response(child.stderr).text()}`)
  return elapsed
}

/** One turn straight through opencode's API: prompt_async, then wait for the session's idle. */
async function direct(client: OpencodeClient, sessionId: string): Promise<number> {
  const stop = new AbortController()
  const events = client.events(stop.signal)
  await events.next() // server.connected: the subscription is live before the prompt goes out
  const start = performance.now()
  await client.prompt(sessionId, { text: "hi" })
  for await (const event of events) if (sessionIdOf(event) === sessionId && turnStatus(event) === "idle") break
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
  const directSession = (await client.createSession("bench direct")).id
  const attachSession = (await client.createSession("bench attach")).id
  stub.reply(text("warming up"))
  await timed([opencode, "run", "--attach", url, "--session", attachSession, "hi"], credentials)

  const samples = { direct: [] as number[], opencode: [] as number[], iterate: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    stub.reply(text("ok"), text("ok"), text("ok"))
    samples.direct.push(await direct(client, directSession))
    samples.opencode.push(await timed([opencode, "run", "--attach", url, "--session", attachSession, "hi"], credentials))
    samples.iterate.push(await timed([BINARY, "run", "--agent", agent, "hi"]))
  }

  const floor = median(samples.direct)
  const row = (what: string, values: number[]) => `| ${what} | ${median(values).toFixed(1)} | ${(median(values) - floor).toFixed(1)} |`
  const overhead = median(samples.iterate) - floor
  console.log(`
### Agents: one turn on a warm opencode (${ROUNDS} rounds, medians in ms)

| what | median | over the API |
| --- | ---: | ---: |
${row("opencode API: prompt_async → idle on /event", samples.direct)}
${row("`opencode run --attach URL --session S hi`", samples.opencode)}
${row("`iterate run --agent A hi`", samples.iterate)}

iterate's overhead over the harness: ${overhead.toFixed(1)} ms (target ≤ ${TARGET_MS} ms: ${overhead <= TARGET_MS ? "met" : "missed"}); \
against \`opencode run --attach\`: ${(median(samples.iterate) - median(samples.opencode)).toFixed(1)} ms.
`)
} finally {
  await iterate(["server", "stop"])
  stub.stop()
  rmSync(root, { recursive: true, force: true })
}
