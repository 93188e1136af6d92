// A Codex agent on a fleet: two nodes on one machine sharing one PostgreSQL database and one
// CODEX_HOME (a user's home that both nodes see), the real codex behind each, the Responses stub
// as the model. The agent runs on the node it was made on, is prompted from the other, and when
// its node is killed, the node that adopts it resumes its Codex thread: the conversation goes on.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { testCodexBinary, writeCodexConfig } from "../../support/codex-project.ts"
import { fleetNode, nodeId, on, stopNodes } from "../../support/fleet.ts"
import { text, useResponsesStub } from "../../support/responses-stub.ts"
import type { Sandbox } from "../../support/sandbox.ts"
import { freshDatabase } from "../../support/stores.ts"
import { isAlive, waitFor } from "../../support/wait.ts"

const LEASE_TTL_MS = 4_000

const stub = useResponsesStub()
let workspace: string
let project: string
let a: Sandbox
let b: Sandbox

const node = (url: string, codexHome: string) =>
  fleetNode(url, { CODEX_HOME: codexHome }, { harnesses: { codex: { binary: testCodexBinary() } }, node: { roots: [workspace], leaseTtlMs: LEASE_TTL_MS } })
const agentVia = async (sandbox: Sandbox) => (await (await sandbox.api("/v1/agents/coder")).json()) as { node: string; status: string; harness: string }
const lastAsked = () => JSON.stringify(stub.turns.at(-1)!.body.input)

beforeAll(async () => {
  const url = await freshDatabase()
  workspace = mkdtempSync(join(tmpdir(), "iterate-fleet-codex-"))
  project = join(workspace, "project")
  mkdirSync(project)
  const codexHome = join(workspace, "codex-home")
  writeCodexConfig(codexHome, stub.url)
  a = node(url, codexHome)
  b = node(url, codexHome)
  await Promise.all([on(a, ["server", "start"]), on(b, ["server", "start"])])
})
afterAll(async () => {
  await stopNodes([a, b])
  rmSync(workspace, { recursive: true, force: true })
})

describe("a Codex agent on a fleet of two nodes", { timeout: 120_000 }, () => {
  test("made on A and prompted from B, it runs on A", async () => {
    await on(a, ["agents", "new", "--harness", "codex", "--dir", project, "--name", "coder"])
    stub.reply(text("Noted, the word is quince."))
    expect((await on(b, ["prompt", "coder", "remember the word quince"])).stdout).toBe("Noted, the word is quince.\n")
    expect(await agentVia(b)).toMatchObject({ harness: "codex", node: nodeId(a), status: "idle" })
  })

  test("kill -9 of A: B adopts the agent and resumes its Codex thread", async () => {
    const pid = a.record()!.pid
    process.kill(pid, "SIGKILL")
    await waitFor("node A to die", () => !isAlive(pid), { timeoutMs: 5_000 })
    await waitFor("B to adopt the agent", async () => (await agentVia(b)).node === nodeId(b), { timeoutMs: 4 * LEASE_TTL_MS })
    stub.reply(text("The word was quince."))
    expect((await on(b, ["prompt", "coder", "what was the word?"])).stdout).toBe("The word was quince.\n")
    expect(lastAsked()).toContain("remember the word quince")
    expect(lastAsked()).toContain("Noted, the word is quince.")
  })
})
