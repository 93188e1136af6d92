// Two nodes on one machine sharing one PostgreSQL database (each with its own data and state
// folders), both serving the same workspace root, running agents on the real opencode with the LLM
// stub as the model. Node A also serves a folder node B does not. Tests in order, one fleet.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { harnessProcesses } from "../../support/agent-sandbox.ts"
import { fleetNode, nodeId, on as onNode, stopNodes } from "../../support/fleet.ts"
import { text, useLlmStub } from "../../support/llm-stub.ts"
import { OPENCODE_ENV, testOpencodeBinary, writeProjectConfig } from "../../support/opencode-project.ts"
import { type Result, Sandbox } from "../../support/sandbox.ts"
import { freshDatabase } from "../../support/stores.ts"
import { isAlive, waitFor } from "../../support/wait.ts"

const LEASE_TTL_MS = 4_000

const stub = useLlmStub()
let url: string
let workspace: string
let project: string
let stranded: string
let a: Sandbox
let b: Sandbox
const outputs: string[] = []
// The prompt to the orphaned agent, waiting on B until A comes back.
let waiting: ReturnType<Sandbox["spawn"]>
let waitingStderr: Promise<string>

const node = (roots: string[]) =>
  fleetNode(url, OPENCODE_ENV, { harnesses: { opencode: { binary: testOpencodeBinary() } }, node: { roots, leaseTtlMs: LEASE_TTL_MS } })

/** Runs iterate on a node, keeping what it printed; fails the test, with stderr, when the exit code is not `code`. */
async function on(sandbox: Sandbox, args: string[], code = 0): Promise<Result> {
  const result = await onNode(sandbox, args, code)
  outputs.push(result.stdout, result.stderr)
  return result
}

interface AgentJson {
  id: string
  name: string
  status: string
  node: string
}

interface NodeJson {
  id: string
  url: string
  alive: boolean
  agents: string[]
  self: boolean
}

const agentsOn = async (sandbox: Sandbox): Promise<AgentJson[]> => JSON.parse((await on(sandbox, ["agents", "--json"])).stdout)
const nodesOn = async (sandbox: Sandbox): Promise<NodeJson[]> => JSON.parse((await on(sandbox, ["nodes", "--json"])).stdout)
const agentVia = async (sandbox: Sandbox, name: string): Promise<AgentJson> => (await (await sandbox.api(`/v1/agents/${name}`)).json()) as AgentJson
/** How many model requests were for this prompt (its text the last message). */
const asked = (prompt: string) => stub.turns.filter((turn) => JSON.stringify(turn.body.messages.at(-1)).includes(prompt)).length

beforeAll(async () => {
  url = await freshDatabase()
  workspace = mkdtempSync(join(tmpdir(), "iterate-fleet-"))
  project = join(workspace, "project")
  stranded = join(mkdtempSync(join(tmpdir(), "iterate-fleet-a-only-")), "project")
  for (const dir of [project, stranded]) {
    mkdirSync(dir, { recursive: true })
    writeProjectConfig(dir, stub.url)
  }
  a = node([workspace, join(stranded, "..")])
  b = node([workspace])
  await Promise.all([on(a, ["server", "start"]), on(b, ["server", "start"])])
})
afterAll(async () => {
  await stopNodes([a, b])
  rmSync(workspace, { recursive: true, force: true })
  rmSync(join(stranded, ".."), { recursive: true, force: true })
})

describe("a fleet of two nodes", { timeout: 120_000 }, () => {
  test("an agent made on A is listed on B and prompted from B; A runs its harness", async () => {
    await on(a, ["agents", "new", "--dir", project, "--name", "shared"])
    await on(a, ["agents", "new", "--dir", stranded, "--name", "stranded"])
    const listed = await agentsOn(b)
    expect(listed.map((agent) => [agent.name, agent.node, agent.status])).toEqual([
      ["shared", nodeId(a), "idle"],
      ["stranded", nodeId(a), "idle"],
    ])
    stub.reply(text("Hello from node A."))
    expect((await on(b, ["prompt", "shared", "first prompt"])).stdout).toBe("Hello from node A.\n")
    expect(asked("first prompt")).toBe(1)
    const nodes = await nodesOn(b)
    expect(nodes.find((n) => n.id === nodeId(a))).toMatchObject({ alive: true, agents: listed.map((agent) => agent.id), self: false })
    expect(nodes.find((n) => n.id === nodeId(b))).toMatchObject({ alive: true, agents: [], self: true, url: b.record()!.url })
  })

  test("kill -9 of A: its opencode ends with it; B adopts its agent within 2× the lease TTL; the cut-off turn is not repeated, the prompts sent meanwhile and after work, each reaching the model once", async () => {
    stub.reply(text("word ".repeat(400), { chunkSize: 5, delayMs: 50 }))
    await on(b, ["prompt", "shared", "--no-wait", "a long one"])
    await waitFor("the long reply to stream on A", async () => (await agentVia(b, "shared")).status === "busy" && asked("a long one") === 1)
    const pid = a.record()!.pid
    const opencode = harnessProcesses(a)
    expect(opencode).toHaveLength(1)
    process.kill(pid, "SIGKILL")
    const killed = Date.now()
    await waitFor("node A to die", () => !isAlive(pid), { timeoutMs: 5_000 })
    stub.reply(text("Sent while no node ran it."))
    await on(b, ["prompt", "shared", "--no-wait", "sent meanwhile"])

    const adopted: number = await waitFor("B to adopt the agent", async () => ((await agentVia(b, "shared")).node === nodeId(b) ? Date.now() : 0), {
      timeoutMs: 4 * LEASE_TTL_MS,
      everyMs: 20,
    })
    expect(adopted - killed).toBeLessThan(2 * LEASE_TTL_MS)
    await waitFor("the prompt sent meanwhile to be answered", async () => (await agentVia(b, "shared")).status === "idle", { timeoutMs: 60_000 })
    stub.reply(text("After the takeover."))
    expect((await on(b, ["prompt", "shared", "after the takeover"])).stdout).toBe("After the takeover.\n")

    const events = (await on(b, ["events", "shared", "--format", "json"])).stdout.trim().split("\n").map((line) => JSON.parse(line))
    const statuses = events.filter((e) => e.type === "iterate:agent:status:changed").map((e) => e.payload)
    expect(statuses).toContainEqual(expect.objectContaining({ status: "error", error: `node ${nodeId(a)} stopped during the turn` }))
    expect(["first prompt", "a long one", "sent meanwhile", "after the takeover"].map(asked)).toEqual([0, 1, 1, 1])
    await waitFor("A's opencode to have ended with it", () => !opencode.some(isAlive))
  })

  test("an agent in a directory no live node reaches shows orphaned, with the node it was on", async () => {
    const stuck = await agentVia(b, "stranded")
    expect(stuck).toMatchObject({ status: "orphaned", node: nodeId(a) })
    const table = (await on(b, ["agents"])).stdout
    expect(table).toMatch(new RegExp(`^\\S+\\s+stranded\\s+opencode\\s+orphaned\\s+-\\s+${stranded}\\s+${nodeId(a)}$`, "m"))
    // A prompt that waits says why nothing answers yet; the next test has A come back and answer it.
    waiting = b.spawn(["prompt", "stranded", "anyone?"])
    let stderr = ""
    waitingStderr = (async () => {
      for await (const chunk of waiting.stderr) stderr += new TextDecoder().decode(chunk)
      return stderr
    })()
    await waitFor("the prompt's note", () => stderr.includes("\n"))
    expect(stderr).toBe(`no node runs stranded now (its node ${nodeId(a)} is gone, and no other reaches ${stranded}): the prompt waits for one that does\n`)
  })

  test("nodes lists both, A gone; A restarted rejoins, and B keeps the agent it adopted", async () => {
    const gone = (await nodesOn(b)).find((n) => n.id === nodeId(a))
    expect(gone).toMatchObject({ alive: false, agents: [] })
    expect((await on(b, ["nodes"])).stdout).toMatch(new RegExp(`^${nodeId(a)}\\s+http://127\\.0\\.0\\.1:\\d+\\s+gone\\s+\\d+s ago\\s+-$`, "m"))
    await on(a, ["server", "start"])
    const nodes = await nodesOn(a)
    expect(nodes.map((n) => [n.id, n.alive]).sort()).toEqual([
      [nodeId(a), true],
      [nodeId(b), true],
    ].sort())
    const shared = (await agentsOn(a)).find((agent) => agent.name === "shared")!
    expect(shared.node).toBe(nodeId(b))
    expect(nodes.find((n) => n.id === nodeId(b))!.agents).toEqual([shared.id])
    // A reaches the stranded agent's directory again: it takes it back, the prompt sent meanwhile with it.
    stub.reply(text("Back on A."))
    await waitFor("A to answer the prompt sent while it was away", async () => asked("anyone?") === 1 && (await agentVia(a, "stranded")).status === "idle", { timeoutMs: 60_000 })
    const [stdout, stderr, code] = await Promise.all([new Response(waiting.stdout).text(), waitingStderr, waiting.exited])
    outputs.push(stdout, stderr)
    expect([stdout, code]).toEqual(["Back on A.\n", 0])
    expect((await agentVia(b, "stranded")).node).toBe(nodeId(a))
  })

  test("agents new --node places an agent on another node; a node that is unknown or does not serve the directory is refused", async () => {
    const placed = (await on(a, ["agents", "new", "--dir", project, "--name", "placed", "--node", nodeId(b)])).stdout.trim()
    expect((await agentVia(a, "placed")).node).toBe(nodeId(b))
    expect((await nodesOn(a)).find((n) => n.id === nodeId(b))!.agents).toContain(placed)
    stub.reply(text("Placed on B."))
    expect((await on(a, ["prompt", "placed", "where are you"])).stdout).toBe("Placed on B.\n")
    expect((await on(a, ["agents", "new", "--dir", project, "--node", "nowhere"], 1)).stderr).toBe("iterate: no node nowhere (see: iterate nodes)\n")
    // Under B's roots but not there: B refuses it, and it is gone again.
    const missing = join(workspace, "missing")
    expect((await on(a, ["agents", "new", "--dir", missing, "--name", "refused", "--node", nodeId(b)], 1)).stderr).toBe(
      `iterate: node ${nodeId(b)} cannot run it: the working directory ${missing} does not exist\n`,
    )
    expect((await agentsOn(b)).map((agent) => agent.name)).not.toContain("refused")
    expect((await on(a, ["agents", "new", "--dir", stranded, "--node", b.record()!.url], 1)).stderr).toBe(
      `iterate: node ${nodeId(b)} runs agents only under ${workspace}, not in ${stranded}\n`,
    )
    // Removed on A while B runs it: B stops its harness.
    await on(a, ["agents", "rm", "placed"])
    await waitFor("B to let the removed agent go", () => readFileSync(b.logPath, "utf8").includes(`agent ${placed}: no longer runs on this node`))
  })

  test("the database's password shows nowhere: not in any output, log, /doc or server status", async () => {
    const password = new URL(url).password
    expect(password.length).toBeGreaterThan(8)
    for (const sandbox of [a, b]) {
      outputs.push(readFileSync(sandbox.logPath, "utf8"), await (await sandbox.api("/doc")).text())
      await on(sandbox, ["server", "status", "--json"])
    }
    for (const output of outputs) expect(output).not.toContain(password)
  })
})
