// A batch outlives its node: two nodes on one PostgreSQL database (short lease TTL), the real
// opencode with the LLM stub as the model answering each agent by its prompt ("write <file>": a
// write of that file, then a reply). Node A makes two batches, their first turns held at the model;
// A is killed (kill -9); node B takes both over, re-prompts the turns cut short, and runs the rest.
// A started again finds them B's: it does not take them back, and sends a cancel to B.
// `iterate batches` names each batch's node once they differ.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { harnessProcesses, watch } from "../../support/agent-sandbox.ts"
import { fleetNode, nodeId, on, stopNodes } from "../../support/fleet.ts"
import { afterTool, type ChatRequest, lastUserText, text, toolCall, useLlmStub } from "../../support/llm-stub.ts"
import { OPENCODE_ENV, testOpencodeBinary, writeProjectConfig } from "../../support/opencode-project.ts"
import type { Sandbox } from "../../support/sandbox.ts"
import { freshDatabase } from "../../support/stores.ts"
import { isAlive, waitFor } from "../../support/wait.ts"

const LEASE_TTL_MS = 4_000

const stub = useLlmStub()
let url: string
let workspace: string
let a: Sandbox
let b: Sandbox

const node = () => fleetNode(url, OPENCODE_ENV, { harnesses: { opencode: { binary: testOpencodeBinary() } }, node: { roots: [workspace], leaseTtlMs: LEASE_TTL_MS } })

/** A project under the workspace whose opencode asks the stub. */
function project(name: string): string {
  const dir = join(workspace, name)
  mkdirSync(dir, { recursive: true })
  writeProjectConfig(dir, stub.url)
  return dir
}

/** The file a task's prompt asks for: `write t1.txt` → t1.txt. */
const fileOf = (request: ChatRequest) => /^write (\S+)/.exec(lastUserText(request))?.[1]

interface BatchJson {
  id: string
  source: string
  node: string
  endedAt?: string
  cancelledAt?: string
  counts: { total: number; done: number; cancelled: number }
  tasks: Array<{ name: string; state: string; attempts: number; agent?: { name: string } }>
}

const batchOn = async (sandbox: Sandbox, id: string): Promise<BatchJson> => JSON.parse((await on(sandbox, ["batches", id, "--json"])).stdout)
const batchesOn = async (sandbox: Sandbox): Promise<BatchJson[]> => JSON.parse((await on(sandbox, ["batches", "--json"])).stdout)

beforeAll(async () => {
  url = await freshDatabase()
  workspace = mkdtempSync(join(tmpdir(), "iterate-fleet-batches-"))
  a = node()
  b = node()
  await Promise.all([on(a, ["server", "start"]), on(b, ["server", "start"])])
})
afterAll(async () => {
  await stopNodes([a, b])
  rmSync(workspace, { recursive: true, force: true })
})

describe("a batch whose node dies", { timeout: 240_000 }, () => {
  test("kill -9 of A mid-batch: B takes its batches over and ends every task once; A back does not take them back, and B cancels the one cancelled; the listing names each batch's node", async () => {
    // Each agent writes the file its prompt names, then says so; `writes` counts the writes handed out per file.
    const writes = new Map<string, number>()
    stub.respond((request) => {
      const file = fileOf(request)
      if (!file) return undefined
      if (afterTool(request)) return text(`Wrote ${file}.`)
      writes.set(file, (writes.get(file) ?? 0) + 1)
      return toolCall("write", { filePath: file, content: `${file} by its task\n` })
    })
    /** How many turns the prompt started at the model (the requests after a tool call left out). */
    const asked = (prompt: string) => stub.turns.filter((turn) => lastUserText(turn.body) === prompt && !afterTool(turn.body)).length
    stub.hold()

    const work = project("work")
    const other = project("other")
    const tasks = join(workspace, "three.txt")
    writeFileSync(tasks, "write t1.txt\nwrite t2.txt\nwrite t3.txt\n")
    const client = watch(a.spawn(["batch", tasks, "--dir", work, "--parallel", "1", "--no-worktree", "--json"]))
    await waitFor("the first task's turn at the model", () => stub.inFlight === 1, { timeoutMs: 120_000 })
    // A second batch, to be cancelled once B has it.
    const single = join(workspace, "one.txt")
    writeFileSync(single, "write x.txt\n")
    const secondClient = watch(a.spawn(["batch", single, "--dir", other, "--no-worktree", "--json"]))
    await waitFor("both first turns at the model", () => stub.inFlight === 2, { timeoutMs: 120_000 })
    const listed = await batchesOn(a)
    const made = listed.find((batch) => batch.source === "three.txt")
    const second = listed.find((batch) => batch.source === "one.txt")
    expect([made?.node, second?.node]).toEqual([nodeId(a), nodeId(a)])
    const before = stub.turns.length

    // The clients leave (the batches go on in the daemon), then A dies with its opencode.
    for (const watching of [client, secondClient]) {
      watching.process.kill("SIGINT")
      await watching.exited()
    }
    const pid = a.record()!.pid
    const opencode = harnessProcesses(a)
    process.kill(pid, "SIGKILL")
    await waitFor("node A and its opencode to die", () => !isAlive(pid) && !opencode.some(isAlive), { timeoutMs: 10_000 })

    // B: both batches its own within a lease TTL and a check, their cut-off turns asked again there.
    await waitFor("B to take both batches over", async () => (await batchesOn(b)).every((batch) => batch.node === nodeId(b)), { timeoutMs: 4 * LEASE_TTL_MS })
    await waitFor("the two cut short asked again", () => stub.turns.length >= before + 2 && stub.inFlight === 2, { timeoutMs: 120_000 })
    const log = readFileSync(b.logPath, "utf8")
    for (const id of [made!.id, second!.id]) expect(log).toContain(`batch ${id}: taken over from node ${nodeId(a)} (not alive)`)

    // A started again: the batches stay B's; a cancel sent to A says where to send it.
    await on(a, ["server", "start"])
    expect((await batchesOn(a)).map((batch) => batch.node)).toEqual([nodeId(b), nodeId(b)])
    const refused = await on(a, ["batches", "cancel", second!.id], 1)
    expect(refused.stderr).toBe(`iterate: batch ${second!.id} runs on node ${nodeId(b)}; cancel it there: iterate --server ${b.record()!.url} batches cancel ${second!.id}\n`)
    expect((await on(b, ["batches", "cancel", second!.id])).stdout).toBe(`cancelled batch ${second!.id}: 1 task cancelled, 0 had ended\n`)
    await waitFor("the cancelled turn given up", () => stub.inFlight === 1, { timeoutMs: 60_000 })

    stub.release()
    const ended = await waitFor("the batch to end on B", async () => ((await batchOn(b, made!.id)).endedAt ? batchOn(b, made!.id) : undefined), { timeoutMs: 120_000 })
    expect(ended).toMatchObject({ node: nodeId(b), counts: { total: 3, done: 3 } })
    // The cut-off task was prompted again; none ran twice, nor under a second agent.
    expect(ended.tasks.map((t) => [t.name, t.state, t.attempts, t.agent?.name])).toEqual([
      ["t1-txt", "done", 2, "t1-txt"],
      ["t2-txt", "done", 1, "t2-txt"],
      ["t3-txt", "done", 1, "t3-txt"],
    ])
    expect(["write t1.txt", "write t2.txt", "write t3.txt"].map(asked)).toEqual([2, 1, 1])
    expect(["t1.txt", "t2.txt", "t3.txt"].map((file) => writes.get(file))).toEqual([1, 1, 1])
    for (const file of ["t1.txt", "t2.txt", "t3.txt"]) expect(readFileSync(join(work, file), "utf8")).toBe(`${file} by its task\n`)
    expect(await batchOn(b, second!.id)).toMatchObject({ node: nodeId(b), cancelledAt: expect.any(String), counts: { total: 1, cancelled: 1 } })
    // Its stream says which node runs it from then on.
    const events = (await (await b.api(`/v1/stream/batches/${made!.id}?offset=-1`)).json()) as Array<{ type: string; payload: unknown }>
    expect(events.filter((e) => e.type === "iterate:batch:moved").map((e) => e.payload)).toEqual([{ from: nodeId(a), to: nodeId(b) }])

    // A batch A makes now runs on A; the listing names each batch's node once they differ.
    const later = join(workspace, "later.txt")
    writeFileSync(later, "write y.txt\n")
    await on(a, ["batch", later, "--dir", other, "--no-worktree"])
    const table = (await on(b, ["batches"])).stdout
    expect(table).toMatch(/^ID\s+SOURCE\s+STATE\s+TASKS\s+TIME\s+DIRECTORY\s+NODE$/m)
    expect(table).toMatch(new RegExp(`^\\S+\\s+later\\.txt\\s+ended\\s+.*\\s${nodeId(a)}$`, "m"))
    expect(table).toMatch(new RegExp(`^${made!.id}\\s+three\\.txt\\s+ended\\s+.*\\s${nodeId(b)}$`, "m"))
  })
})
