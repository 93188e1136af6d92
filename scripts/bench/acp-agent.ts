// A warm turn of an ACP agent, Zed's claude-agent-acp (the devDependency), on the Anthropic stub:
// through iterate's daemon (its HTTP API: the prompt appended, the agent's stream followed over SSE
// all along, as the web page follows it, until the turn's status says it is over), through `iterate run --agent A hi` (the same plus a CLI
// process starting), through the ACP harness alone (a prompt to its session, until the turn is
// over), and driven directly by a bare ACP client (the ACP library's client app on the agent's
// stdio: one session/prompt, until its result). Each round runs the contenders once, in turn, so a
// slow patch of the machine hits them alike. Prints a markdown table of medians; the goal is
// iterate's daemon within 1.1× of the bare client.
import { join } from "node:path"
import { client, ndJsonStream, PROTOCOL_VERSION } from "@agentclientprotocol/sdk"
import { acpHarness } from "../../src/harness/acp/harness.ts"
import { readSse } from "../../src/sse/read.ts"
import { AnthropicStub, text } from "../../test/support/anthropic-stub.ts"
import { createClaudeProject, testClaudeAcp } from "../../test/support/claude-project.ts"
import { anthropicStubEnv, cleanUp, folderIn, iterateHome, TurnEndEvents, timedIterate, timedTurn } from "./_agents.ts"
import { median } from "./_support.ts"

const ROUNDS = 20
const WARMUP = 3
const TARGET_RATIO = 1.1

const stub = new AnthropicStub().start()
const project = createClaudeProject(stub.url)
const command = testClaudeAcp()
const agentEnv = { ...project.env, IS_SANDBOX: "1" }

// The harness on its own.
const harness = acpHarness("claude-acp")({ ...project.context(), config: { acp: command }, env: agentEnv })
const events = new TurnEndEvents()
const session = harness.open({ id: "bench", name: "bench", directory: project.directory }, events)

// A user's setup: the stub as Claude's provider where the daemon starts, the agent in config.json.
const home = iterateHome("acp-agent", { "claude-acp": { acp: command } }, (root) => ({ ...anthropicStubEnv(stub.url)(root), IS_SANDBOX: "1" }))
const agentDirectory = folderIn(home, "project")
const throughIterate = () => timedIterate(home, ["run", "--agent", "bench", "hi"])

const harnessTurn = () => timedTurn(session, events)

let record: { url: string; token: string } | undefined
/** The daemon's API with its token, as any HTTP client would call it. */
async function api(path: string, init: RequestInit = {}): Promise<Response> {
  record ??= JSON.parse(await Bun.file(join(home.root, "state", "iterate", "daemon.json")).text()) as { url: string; token: string }
  return fetch(record.url + path, { ...init, headers: { authorization: `Bearer ${record.token}`, "content-type": "application/json" } })
}

// A renderer that follows the agent's stream all along (as the web page does): the turn is over
// when the status of its prompt says so.
type AgentEvent = { type: string; payload?: { status?: string; prompt?: string } }
let following: AsyncIterator<{ event: string; data: string }> | undefined
const seen: AgentEvent[] = []

async function throughDaemon(): Promise<number> {
  if (!following) {
    const agent = (await (await api("/v1/agents/bench")).json()) as { stream: string }
    const tail = (await api(`/v1/stream/${encodeURIComponent(agent.stream)}?offset=-1`)).headers.get("Stream-Next-Offset")
    following = readSse((await api(`/v1/stream/${encodeURIComponent(agent.stream)}?offset=${tail}&live=sse`)).body!)[Symbol.asyncIterator]()
  }
  const start = performance.now()
  const { event } = (await (await api("/v1/agents/bench/prompt", { method: "POST", body: JSON.stringify({ text: "hi" }) })).json()) as { event: { offset: string } }
  const over = (e: AgentEvent) => e.type === "iterate:agent:status:changed" && e.payload?.status !== "busy" && e.payload?.prompt === event.offset
  while (!seen.some(over)) {
    const next = await following.next()
    if (next.done) throw new Error("the agent's stream ended")
    if (next.value.event === "data") seen.push(...(JSON.parse(next.value.data) as AgentEvent[]))
  }
  const elapsed = performance.now() - start
  seen.length = 0
  return elapsed
}

// The bare client: the agent on its stdio, one ACP session, and nothing else.
const bare = Bun.spawn(command, { cwd: project.directory, env: agentEnv, stdin: "pipe", stdout: "pipe", stderr: "ignore" })
const output = new WritableStream<Uint8Array>({
  write: async (chunk) => {
    bare.stdin.write(chunk)
    await bare.stdin.flush()
  },
})
const bareClient = client({ name: "bench" }).onNotification("session/update", () => {})
const connection = bareClient.connect(ndJsonStream(output, bare.stdout))
await connection.agent.request("initialize", { protocolVersion: PROTOCOL_VERSION, clientCapabilities: {} })
const { sessionId } = await connection.agent.request("session/new", { cwd: project.directory, mcpServers: [] })

async function bareTurn(): Promise<number> {
  const start = performance.now()
  await connection.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "hi" }] })
  return performance.now() - start
}

try {
  await home.iterate(["agents", "new", "--harness", "claude-acp", "--dir", agentDirectory, "--name", "bench"])
  for (let i = 0; i < WARMUP; i++) {
    stub.reply(text("warming up"), text("warming up"), text("warming up"), text("warming up"))
    await throughDaemon()
    await throughIterate()
    await harnessTurn()
    await bareTurn()
  }
  const samples = { daemon: [] as number[], iterate: [] as number[], harness: [] as number[], bare: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    stub.reply(text("ok"), text("ok"), text("ok"), text("ok"))
    samples.daemon.push(await throughDaemon())
    samples.iterate.push(await throughIterate())
    samples.harness.push(await harnessTurn())
    samples.bare.push(await bareTurn())
  }
  const daemon = median(samples.daemon)
  const through = median(samples.iterate)
  const alone = median(samples.harness)
  const direct = median(samples.bare)
  const ratio = daemon / direct
  console.log(`
### An ACP agent (claude-agent-acp): one warm turn on the stub (${ROUNDS} rounds, medians in ms)

| what | median | × bare ACP client |
| --- | ---: | ---: |
| iterate's daemon: prompt over HTTP → the turn's end on the agent's stream (followed over SSE) | ${daemon.toFixed(1)} | ${ratio.toFixed(3)} |
| \`iterate run --agent A hi\` (the same, from a CLI process that starts) | ${through.toFixed(1)} | ${(through / direct).toFixed(3)} |
| a prompt to the ACP harness's session → turn over (no CLI, no daemon) | ${alone.toFixed(1)} | ${(alone / direct).toFixed(3)} |
| a bare ACP client: session/prompt → its result, on the agent's stdio | ${direct.toFixed(1)} | 1.000 |

iterate's daemon / bare client: ${ratio.toFixed(3)} (target ≤ ${TARGET_RATIO}: ${ratio <= TARGET_RATIO ? "met" : "missed"}); \
the harness adds ${(alone - direct).toFixed(1)} ms to the bare client, the daemon (its store and stream) ${(daemon - alone).toFixed(1)} ms more, a CLI process ${(through - daemon).toFixed(1)} ms more.
`)
} finally {
  connection.close()
  bare.kill()
  await cleanUp(home, harness, stub, project)
}
