// Permission requests end to end through the compiled binary: the real opencode asks (iterate
// makes it ask for edits and commands, whatever opencode.json allows) and the agent's policy, a
// person at a terminal, `iterate permit` from another command, a client appending to the stream
// or an unattended run's --on-permission answers. One sandbox and one agent per store, tests in order.
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, test } from "vitest"
import { expectKeptAnswerApplied, inTerminal, payloadsOf as of, useAgentSandbox, watch } from "../../support/agent-sandbox.ts"
import { text, toolCall, useLlmStub } from "../../support/llm-stub.ts"
import { BINARY } from "../../support/sandbox.ts"
import { STORES, useStore } from "../../support/stores.ts"
import { waitFor } from "../../support/wait.ts"

const stub = useLlmStub()
let agents: ReturnType<typeof useAgentSandbox>

const REQUESTED = "iterate:agent:permission:requested"
const REPLY = "iterate:agent:action:permission-reply:called"

interface Pending {
  id: string
  agentName: string
  tool: string
  summary: string
  waiting: boolean
}

async function pending(agent?: string): Promise<Pending[]> {
  return JSON.parse((await agents.iterate(["permissions", ...(agent ? [agent] : []), "--json"])).stdout)
}

const waitForRequest = (summary: string) =>
  waitFor(`a request to ${summary}`, async () => (await pending()).find((p) => p.summary === summary), { timeoutMs: 60_000 })

const writes = (name: string, content = `${name}\n`) => toolCall("write", { filePath: join(agents.project, name), content })
const runs = (command: string) => toolCall("bash", { command, description: "Run it" })
const agentJson = async () => JSON.parse((await agents.iterate(["agents", "--json"])).stdout)[0]

describe.each(STORES)("permission requests, on %s", { timeout: 120_000 }, (store) => {
  const sandbox = useAgentSandbox(stub)
  useStore(store, () => sandbox.sandbox)
  // The helpers above work on this block's sandbox while its tests run.
  beforeAll(() => void (agents = sandbox))

  test("on a terminal, run asks; y allows it once and the file is written", async () => {
    stub.reply(writes("tty.txt"), text("Wrote it."))
    const run = inTerminal([BINARY, "run", "--dir", agents.project, "write tty.txt"], agents.sandbox.env)
    await waitFor("the question", () => run.screen().includes("? edit tty.txt — allow? [y] once, [a] always edit, [n] no: "), { timeoutMs: 60_000 })
    expect(existsSync(join(agents.project, "tty.txt"))).toBe(false)
    expect((await agentJson()).status).toBe("waiting")
    run.process.terminal!.write("y")
    expect(await run.process.exited).toBe(0)
    expect(readFileSync(join(agents.project, "tty.txt"), "utf8")).toBe("tty.txt\n")
    expect(run.screen()).toContain("✓ allowed: edit tty.txt")
    expect(run.screen()).toContain("Wrote it.")
    const events = await agents.events("project")
    const [request] = of(events, REQUESTED)
    expect(of(events, REPLY)).toEqual([{ id: request.id, decision: "allow" }])
    expect(await pending()).toEqual([])
    expect(await agentJson()).toMatchObject({ status: "idle", permissions: "ask", allowedTools: [] })
  })

  test("without a terminal, prompt prints the permit command and waits; permit from a second command answers it", async () => {
    stub.reply(writes("waited.txt"), text("Done waiting."))
    const prompt = watch(agents.sandbox.spawn(["prompt", "project", "write waited.txt"]))
    const request = await waitForRequest("edit waited.txt")
    expect(request).toMatchObject({ agentName: "project", tool: "edit", waiting: true })
    await waitFor("the hint", () => prompt.seen.stderr.includes(`answer with: iterate permit project ${request.id} [--always | --deny]`))
    const table = (await agents.iterate(["permissions"])).stdout
    expect(table).toMatch(new RegExp(`^${request.id}\\s+project\\s+edit\\s+\\d+s ago\\s+edit waited\\.txt$`, "m"))

    const permit = await agents.iterate(["permit", "project", request.id])
    expect(permit.stderr).toBe(`allowed: ${request.id}\n`)
    expect(await prompt.exited()).toBe(0)
    expect(prompt.seen.stdout).toBe("Done waiting.\n")
    expect(readFileSync(join(agents.project, "waited.txt"), "utf8")).toBe("waited.txt\n")
  })

  test("permit --deny: nothing is written and the turn ends cleanly", async () => {
    stub.reply(writes("denied.txt"), text("unused"))
    const prompt = watch(agents.sandbox.spawn(["prompt", "project", "write denied.txt"]))
    const request = await waitForRequest("edit denied.txt")
    await agents.iterate(["permit", "project", request.id, "--deny"])
    expect(await prompt.exited()).toBe(0)
    expect(prompt.seen.stderr).toContain("✗ denied: edit denied.txt")
    expect(existsSync(join(agents.project, "denied.txt"))).toBe(false)
    expect(of(await agents.events("project"), REPLY).at(-1)).toEqual({ id: request.id, decision: "deny" })
  })

  test("the answer's routes refuse an unknown or answered request with a JSON error; a reply appended to the stream answers too", async () => {
    const agent = await agentJson()
    const unknown = await agents.sandbox.api(`/v1/agents/project/permissions/perm_nope`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"decision":"allow"}' })
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toEqual({ error: { code: "permission_not_found", message: "agent project has no permission request perm_nope (see: iterate permissions project)" } })
    const answered = of(await agents.events("project"), REPLY).at(-1).id
    const again = await agents.iterate(["permit", "project", answered], { code: 1 })
    expect(again.stderr).toBe(`iterate: permission request ${answered} was answered already (deny)\n`)

    stub.reply(writes("appended.txt"), text("Appended."))
    await agents.iterate(["prompt", "project", "--no-wait", "write appended.txt"])
    const request = await waitForRequest("edit appended.txt")
    const reply = JSON.stringify({ type: REPLY, payload: { id: request.id, decision: "allow" } })
    await agents.iterate(["streams", "append", agent.stream, reply])
    await waitFor("the file", () => existsSync(join(agents.project, "appended.txt")), { timeoutMs: 60_000 })
    await waitFor("the turn to end", async () => (await agentJson()).status === "idle")
  })

  test("--always allows the tool for the agent: its next request is answered by the policy", async () => {
    stub.reply(writes("always.txt"), text("First."))
    const prompt = watch(agents.sandbox.spawn(["prompt", "project", "write always.txt"]))
    const request = await waitForRequest("edit always.txt")
    await agents.iterate(["permit", "project", request.id, "--always"])
    expect(await prompt.exited()).toBe(0)
    expect(await agentJson()).toMatchObject({ permissions: "ask", allowedTools: ["edit"] })

    stub.reply(writes("later.txt"), text("Second."))
    const later = await agents.iterate(["prompt", "project", "write later.txt"])
    expect(later.stderr).toContain("✓ allowed: edit later.txt (by the agent's policy)")
    expect(readFileSync(join(agents.project, "later.txt"), "utf8")).toBe("later.txt\n")
    expect(of(await agents.events("project"), REPLY).slice(-2)).toEqual([
      { id: request.id, decision: "always" },
      { id: expect.stringMatching(/^perm_/), decision: "allow", by: "policy" },
    ])
  })

  test("unattended, --on-permission deny refuses on its own; --on-permission fail aborts the turn and exits 1", async () => {
    stub.reply(runs("echo no > deny.txt"), text("unused"))
    const denied = await agents.iterate(["prompt", "project", "--on-permission", "deny", "run it"])
    expect(denied.stderr).toContain("✗ denied: run `echo no > deny.txt` — denied by --on-permission deny")
    expect(existsSync(join(agents.project, "deny.txt"))).toBe(false)

    stub.reply(runs("echo no > fail.txt"), text("unused"))
    const failed = await agents.iterate(["prompt", "project", "--on-permission", "fail", "run it"], { code: 1 })
    expect(failed.stderr).toContain("iterate: permission needed: run `echo no > fail.txt` (--on-permission fail aborted the turn)")
    expect(existsSync(join(agents.project, "fail.txt"))).toBe(false)
    expect(await pending()).toEqual([])
    const events = await agents.events("project")
    expect(of(events, "iterate:agent:permission:withdrawn").at(-1)).toMatchObject({ reason: expect.stringContaining("stopped waiting") })
    expect(of(events, "iterate:agent:status:changed").at(-1)).toMatchObject({ status: "idle", aborted: true })
  })

  test("a request left waiting across a daemon restart stays answerable; when the respawned opencode asks the same again, that answer applies", async () => {
    const command = "echo kept > kept.txt"
    stub.reply(runs(command))
    await agents.iterate(["prompt", "project", "--no-wait", "keep it"])
    const request = await waitForRequest(`run \`${command}\``)
    await agents.iterate(["server", "restart"])
    expect(await pending()).toEqual([{ ...request, waiting: false }])
    expect((await agents.iterate(["permissions"])).stdout).toContain("(its harness stopped since: the answer applies when it asks again)")
    await agents.iterate(["permit", "project", request.id])
    // The adapter takes the answer off the stream (on PostgreSQL, a few round trips later).
    await waitFor("the answer to be taken", async () => (await pending()).length === 0)

    // The model asks for the same command again in the next turn: nobody is asked twice.
    stub.reset()
    stub.reply(runs(command), text("Kept."))
    const again = await agents.iterate(["prompt", "project", "go on"])
    expect(again.stdout).toBe("Kept.\n")
    expect(readFileSync(join(agents.project, "kept.txt"), "utf8")).toBe("kept\n")
    await expectKeptAnswerApplied(agents, "project", request.id)
  })

  test("an agent whose policy is deny refuses everything, and the transcript says the policy did", async () => {
    const strict = (await agents.iterate(["agents", "new", "--dir", agents.project, "--name", "strict", "--permissions", "deny"])).stdout.trim()
    stub.reply(writes("strict.txt"), text("unused"))
    const prompt = await agents.iterate(["prompt", strict, "write strict.txt"])
    expect(prompt.stderr).toContain("✗ denied: edit strict.txt (by the agent's policy)")
    expect(existsSync(join(agents.project, "strict.txt"))).toBe(false)
    expect((await agents.iterate(["events", strict])).stdout).toContain("✗ denied: edit strict.txt (by the agent's policy)")
  })
})
