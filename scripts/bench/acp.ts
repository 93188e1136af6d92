// `iterate acp` as an editor meets it, driven by the ACP library's client over the child's stdio,
// on the warm opencode of a throwaway daemon with the LLM stub: how long the process takes to
// answer initialize, session/new, a warm turn (session/prompt → stopReason) against the same turn
// through `iterate run`, and session/load replaying an agent of many turns. Prints medians in ms.
import { mkdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { client, ndJsonStream, PROTOCOL_VERSION } from "@agentclientprotocol/sdk"
import { text } from "../../test/support/llm-stub.ts"
import { writeProjectConfig } from "../../test/support/opencode-project.ts"
import { agentHome } from "./_agents.ts"
import { BINARY, median } from "./_support.ts"

const ROUNDS = 10
const REPLAYED_TURNS = 30

const { root, env, stub, iterate } = agentHome("acp")
const project = join(root, "project")
mkdirSync(project)
writeProjectConfig(project, stub.url)

function startAcp() {
  const child = Bun.spawn([BINARY, "acp"], { env, cwd: root, stdin: "pipe", stdout: "pipe", stderr: "ignore" })
  const input = new WritableStream<Uint8Array>({
    write(chunk) {
      child.stdin.write(chunk)
      child.stdin.flush()
    },
  })
  let updates = 0
  const connection = client({ name: "bench" })
    .onNotification("session/update", () => {
      updates++
    })
    .connect(ndJsonStream(input, child.stdout))
  return {
    agent: connection.agent,
    updates: () => updates,
    close: async () => {
      connection.close()
      child.stdin.end()
      await child.exited
    },
  }
}

async function time<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now()
  const result = await work()
  return [performance.now() - start, result]
}

try {
  // Warm the daemon and opencode on the project first.
  stub.reply(text("warming up"))
  await iterate(["run", "--dir", project, "hi"], project)
  const samples = { initialize: [] as number[], sessionNew: [] as number[], prompt: [] as number[], run: [] as number[], load: [] as number[] }
  let sessionId = ""
  for (let round = 0; round < ROUNDS; round++) {
    const acp = startAcp()
    const [init] = await time(() => acp.agent.request("initialize", { protocolVersion: PROTOCOL_VERSION, clientCapabilities: {} }))
    samples.initialize.push(init)
    const [made, session] = await time(() => acp.agent.request("session/new", { cwd: project, mcpServers: [] }))
    samples.sessionNew.push(made)
    sessionId = session.sessionId
    stub.reply(text("warming up"), text("ok"))
    await acp.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "hi" }] })
    const [turn] = await time(() => acp.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "hi" }] }))
    samples.prompt.push(turn)
    await acp.close()
    stub.reply(text("ok"))
    const [run] = await time(() => iterate(["run", "--agent", sessionId, "hi"], project))
    samples.run.push(run)
  }

  // One agent with many turns, loaded by a new editor each round.
  for (let turn = 0; turn < REPLAYED_TURNS; turn++) {
    stub.reply(text(`reply number ${turn}, a sentence long enough to stream in a few chunks`))
    await iterate(["prompt", sessionId, `turn ${turn}`])
  }
  let replayed = 0
  for (let round = 0; round < ROUNDS; round++) {
    const acp = startAcp()
    await acp.agent.request("initialize", { protocolVersion: PROTOCOL_VERSION, clientCapabilities: {} })
    const [load] = await time(() => acp.agent.request("session/load", { sessionId, cwd: project, mcpServers: [] }))
    samples.load.push(load)
    replayed = acp.updates()
    await acp.close()
  }

  const row = (what: string, values: number[]) => `| ${what} | ${median(values).toFixed(1)} |`
  console.log(`
### ACP: iterate acp as an editor meets it (${ROUNDS} rounds, medians in ms)

| what | median |
| --- | ---: |
${row("spawn `iterate acp` → initialize answered", samples.initialize)}
${row("session/new (a new agent, warm daemon)", samples.sessionNew)}
${row("session/prompt → end_turn on a warm opencode", samples.prompt)}
${row("the same turn through `iterate run --agent A hi` (process included)", samples.run)}
${row(`session/load of an agent with ${REPLAYED_TURNS + 2} turns (${replayed} updates replayed)`, samples.load)}
`)
} finally {
  await iterate(["server", "stop"])
  stub.stop()
  rmSync(root, { recursive: true, force: true })
}
