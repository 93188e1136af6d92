// `iterate acp` through the compiled binary, driven by the published ACP TypeScript library as the
// editor, with the real opencode behind it and the LLM stub as its model. One sandbox, one daemon
// and one `iterate acp`; the tests run in order on one session (the last one loads it in another).
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { PROTOCOL_VERSION, type RequestError } from "@agentclientprotocol/sdk"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { type AcpClient, callsSince, chunkText, startAcp, updatesOf } from "../../support/acp-client.ts"
import { useAgentSandbox, writeConfig } from "../../support/agent-sandbox.ts"
import { failure, text, toolCall, useLlmStub } from "../../support/llm-stub.ts"
import { testOpencodeBinary } from "../../support/opencode-project.ts"
import { testPiCli } from "../../support/pi-project.ts"
import { waitFor } from "../../support/wait.ts"

const stub = useLlmStub()
const agents = useAgentSandbox(stub)

let acp: AcpClient
let sessionId: string

/** config.json with the harnesses of the devDependencies (read when the daemon starts) and an `acp` section (read by each `iterate acp`). */
const configWith = (acpSection: unknown = {}) =>
  writeConfig(agents.sandbox, JSON.stringify({ harnesses: { opencode: { binary: testOpencodeBinary() }, pi: { binary: testPiCli() } }, acp: acpSection }))

beforeAll(() => {
  configWith()
  acp = startAcp(agents.sandbox)
})
afterAll(async () => {
  await acp.close()
})

const prompt = (words: string) => acp.connection.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: words }] })
const agentJson = async () => (JSON.parse((await agents.iterate(["agents", "--json"])).stdout) as Array<{ id: string; status: string }>).find((a) => a.id === sessionId)!

describe("iterate acp", { timeout: 120_000 }, () => {
  test("initialize says what iterate supports", async () => {
    const init = await acp.connection.agent.request("initialize", { protocolVersion: PROTOCOL_VERSION, clientCapabilities: {} })
    expect(init).toMatchObject({
      protocolVersion: 1,
      agentCapabilities: { loadSession: true, promptCapabilities: { image: false, embeddedContext: true }, sessionCapabilities: { list: {}, resume: {} } },
      agentInfo: { name: "iterate", version: expect.stringMatching(/^\d+\.\d+\.\d+/) },
    })
  })

  test("session/new makes an iterate agent in the directory; the session id is the agent's", async () => {
    const session = await acp.connection.agent.request("session/new", { cwd: agents.project, mcpServers: [] })
    sessionId = session.sessionId
    expect(sessionId).toMatch(/^[a-z2-9]{6}$/)
    expect(await agentJson()).toMatchObject({ id: sessionId, harness: "opencode", directory: agents.project, permissions: "ask", status: "idle" })
    const { sessions } = await acp.connection.agent.request("session/list", { cwd: agents.project })
    expect(sessions).toEqual([{ sessionId, cwd: agents.project, title: "project (opencode)" }])
  })

  test("a prompt streams the reasoning and the reply as chunks, then ends the turn", async () => {
    const reply = "Hello from the stub, streamed slowly."
    stub.reply(text(reply, { reasoning: "The user greets me.", chunkSize: 10, delayMs: 50 }))
    const from = acp.updates.length
    expect(await prompt("say hello")).toEqual({ stopReason: "end_turn" })
    expect(JSON.stringify(stub.turns[0]!.body.messages.at(-1))).toContain("say hello")
    expect(chunkText(acp.updates, "agent_thought_chunk", from)).toBe("The user greets me.")
    expect(chunkText(acp.updates, "agent_message_chunk", from)).toBe(reply)
    // The client's own prompt is not echoed back. (That chunks reach the editor while the reply
    // streams is shown by the cancel below: how a turn's first, cold reply is split depends on timing.)
    expect(updatesOf(acp.updates, "user_message_chunk", from)).toEqual([])
    expect(acp.updates.slice(from).every((n) => n.sessionId === sessionId)).toBe(true)
  })

  test("a tool call is a tool_call, updated to completed with its output", async () => {
    const file = join(agents.project, "notes.md")
    writeFileSync(file, "read me\n")
    stub.reply(toolCall("read", { filePath: file }), text("It says: read me."))
    const from = acp.updates.length
    expect(await prompt("read notes.md")).toEqual({ stopReason: "end_turn" })
    const [call, ...more] = callsSince(acp.updates, from)
    expect(more).toEqual([])
    expect(call).toMatchObject({ kind: "read", title: expect.stringMatching(/^read /), rawInput: { filePath: file }, locations: [{ path: file }], status: "completed" })
    expect(call!.content).toContainEqual({ type: "content", content: { type: "text", text: expect.stringContaining("read me") } })
    expect(chunkText(acp.updates, "agent_message_chunk", from)).toBe("It says: read me.")
  })

  test("a todo list is the plan, the whole list each time; the todo tool is no tool call", async () => {
    const todos = (...statuses: string[]) => statuses.map((status, i) => ({ id: String(i + 1), content: ["read the code", "write the fix"][i], status, priority: "high" }))
    stub.reply(toolCall("todowrite", { todos: todos("pending", "pending") }), toolCall("todowrite", { todos: todos("completed", "in_progress") }), text("Planned."))
    const from = acp.updates.length
    expect(await prompt("plan the fix")).toEqual({ stopReason: "end_turn" })
    // Each todo list replaces the plan (one update per list, unless both came in one batch).
    const plans = updatesOf(acp.updates, "plan", from)
    expect(plans.every((p) => p.entries.length === 2)).toBe(true)
    expect(plans.at(-1)!.entries).toEqual([
      { content: "read the code", status: "completed", priority: "high" },
      { content: "write the fix", status: "in_progress", priority: "high" },
    ])
    expect(callsSince(acp.updates, from)).toEqual([])
  })

  test("a permission request is asked of the editor; allow once writes the file, shown as a diff", async () => {
    const file = join(agents.project, "allowed.txt")
    stub.reply(toolCall("write", { filePath: file, content: "allowed\n" }), text("Wrote it."))
    acp.answer = async () => ({ outcome: { outcome: "selected", optionId: "allow" } })
    const from = acp.updates.length
    const asked = acp.permissionRequests.length
    expect(await prompt("write allowed.txt")).toEqual({ stopReason: "end_turn" })
    expect(readFileSync(file, "utf8")).toBe("allowed\n")

    const [request] = acp.permissionRequests.slice(asked)
    expect(request!.options.map((o) => o.kind)).toEqual(["allow_once", "allow_always", "reject_once"])
    const [call] = callsSince(acp.updates, from)
    expect(call).toMatchObject({ kind: "edit", title: expect.stringMatching(/^write /), status: "completed" })
    expect(request!.toolCall.toolCallId).toBe(call!.toolCallId)
    expect(call!.content).toContainEqual({ type: "diff", path: file, newText: "allowed\n" })
    const events = await agents.events(sessionId)
    expect(events.filter((e) => e.type === "iterate:agent:action:permission-reply:called").at(-1)!.payload).toMatchObject({ decision: "allow" })
  })

  test("reject once denies it: nothing is written and the tool call fails", async () => {
    const file = join(agents.project, "rejected.txt")
    stub.reply(toolCall("write", { filePath: file, content: "no\n" }), text("Fine, I will not."))
    acp.answer = async () => ({ outcome: { outcome: "selected", optionId: "deny" } })
    const from = acp.updates.length
    expect(await prompt("write rejected.txt")).toEqual({ stopReason: "end_turn" })
    expect(existsSync(file)).toBe(false)
    expect(callsSince(acp.updates, from)).toMatchObject([{ kind: "edit", status: "failed" }])
    const events = await agents.events(sessionId)
    expect(events.filter((e) => e.type === "iterate:agent:action:permission-reply:called").at(-1)!.payload).toMatchObject({ decision: "deny" })
  })

  test("a request answered elsewhere first is taken back from the editor", async () => {
    const file = join(agents.project, "elsewhere.txt")
    stub.reply(toolCall("write", { filePath: file, content: "elsewhere\n" }), text("Done."))
    let takenBack = false
    acp.answer = (_, signal) =>
      new Promise((answered) =>
        signal.addEventListener("abort", () => {
          takenBack = true
          answered({ outcome: { outcome: "cancelled" } })
        }),
      )
    const asked = acp.permissionRequests.length
    const turn = prompt("write elsewhere.txt")
    await waitFor("the editor to be asked", () => acp.permissionRequests.length > asked, { timeoutMs: 60_000 })
    const [pending] = JSON.parse((await agents.iterate(["permissions", sessionId, "--json"])).stdout)
    await agents.iterate(["permit", sessionId, pending.id])
    expect(await turn).toEqual({ stopReason: "end_turn" })
    expect(takenBack).toBe(true)
    expect(readFileSync(file, "utf8")).toBe("elsewhere\n")
  })

  test("allow always allows the tool for the agent: its next request is not asked again", async () => {
    stub.reply(toolCall("write", { filePath: join(agents.project, "always.txt"), content: "always\n" }), text("First."))
    acp.answer = async () => ({ outcome: { outcome: "selected", optionId: "always" } })
    expect(await prompt("write always.txt")).toEqual({ stopReason: "end_turn" })
    const asked = acp.permissionRequests.length
    stub.reply(toolCall("write", { filePath: join(agents.project, "later.txt"), content: "later\n" }), text("Second."))
    expect(await prompt("write later.txt")).toEqual({ stopReason: "end_turn" })
    expect(readFileSync(join(agents.project, "later.txt"), "utf8")).toBe("later\n")
    expect(acp.permissionRequests.length).toBe(asked)
    const replies = (await agents.events(sessionId)).filter((e) => e.type === "iterate:agent:action:permission-reply:called").map((e) => e.payload)
    expect(replies.slice(-2)).toEqual([
      { id: expect.any(String), decision: "always" },
      { id: expect.any(String), decision: "allow", by: "policy" },
    ])
  })

  test("session/cancel aborts a slow turn: the prompt stops as cancelled", async () => {
    const long = "word ".repeat(400)
    stub.reply(text(long, { chunkSize: 5, delayMs: 50 }))
    const from = acp.updates.length
    const turn = prompt("talk for a long time")
    await waitFor("the reply to stream", () => updatesOf(acp.updates, "agent_message_chunk", from).length > 0, { timeoutMs: 60_000 })
    await acp.connection.agent.notify("session/cancel", { sessionId })
    expect(await turn).toEqual({ stopReason: "cancelled" })
    await waitFor("the model request to be cancelled", () => stub.turns[0]!.cancelled)
    expect(chunkText(acp.updates, "agent_message_chunk", from).length).toBeLessThan(long.length)
    expect(await agentJson()).toMatchObject({ status: "idle" })
  })

  test("a failed turn answers the prompt with the harness's error", async () => {
    stub.reply(failure("quota exceeded"))
    const from = acp.updates.length
    const error = (await prompt("this will fail").catch((e) => e)) as RequestError
    expect(error).toMatchObject({ code: -32603, message: "quota exceeded" })
    expect(chunkText(acp.updates, "agent_message_chunk", from)).toContain("quota exceeded")
  })

  test("an editor that goes away mid-turn leaves the turn running in the daemon", async () => {
    const gone = startAcp(agents.sandbox)
    await gone.connection.agent.request("initialize", { protocolVersion: PROTOCOL_VERSION, clientCapabilities: {} })
    expect(await gone.connection.agent.request("session/resume", { sessionId, cwd: agents.project })).toEqual({})
    const reply = "word ".repeat(40)
    stub.reply(text(reply, { chunkSize: 5, delayMs: 50 }))
    void gone.connection.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "finish without me" }] }).catch(() => {})
    await waitFor("the reply to stream", () => updatesOf(gone.updates, "agent_message_chunk").length > 0, { timeoutMs: 60_000 })
    expect(await gone.close()).toBe(0)
    await waitFor("the turn to end", async () => (await agentJson()).status === "idle", { timeoutMs: 60_000 })
    const statuses = (await agents.events(sessionId)).filter((e) => e.type === "iterate:agent:status:changed")
    expect(statuses.at(-1)!.payload).toEqual({ status: "idle", prompt: expect.any(String) })
    expect(stub.turns[0]!.cancelled).toBe(false)
  })

  test("session/load in another editor replays the conversation, and the session goes on", async () => {
    const again = startAcp(agents.sandbox)
    try {
      await again.connection.agent.request("initialize", { protocolVersion: PROTOCOL_VERSION, clientCapabilities: {} })
      expect(await again.connection.agent.request("session/load", { sessionId, cwd: agents.project, mcpServers: [] })).toEqual({})
      const users = updatesOf(again.updates, "user_message_chunk").map((u) => (u.content.type === "text" ? u.content.text : ""))
      expect(users).toEqual(["say hello", "read notes.md", "plan the fix", "write allowed.txt", "write rejected.txt", "write elsewhere.txt", "write always.txt", "write later.txt", "talk for a long time", "this will fail", "finish without me"])
      expect(chunkText(again.updates, "agent_message_chunk")).toContain("Hello from the stub, streamed slowly.")
      expect(updatesOf(again.updates, "tool_call").map((c) => c.kind)).toEqual(["read", "edit", "edit", "edit", "edit", "edit"])
      const replayed = again.updates.length

      stub.reply(text("Still here."))
      const reply = await again.connection.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "still there?" }] })
      expect(reply).toEqual({ stopReason: "end_turn" })
      expect(chunkText(again.updates, "agent_message_chunk", replayed)).toBe("Still here.")
      // The same harness session: the model sees the first turn.
      expect(JSON.stringify(stub.turns[0]!.body.messages)).toContain("Hello from the stub, streamed slowly.")
    } finally {
      expect(await again.close()).toBe(0)
    }
  })

  test("without a flag, config.json's acp section says what new sessions make; a flag wins", async () => {
    configWith({ harness: "pi", permissions: "deny" })
    const configured = startAcp(agents.sandbox, ["--permissions", "allow-edits"])
    try {
      await configured.connection.agent.request("initialize", { protocolVersion: PROTOCOL_VERSION, clientCapabilities: {} })
      const other = agents.newProject("configured")
      const { sessionId: id } = await configured.connection.agent.request("session/new", { cwd: other, mcpServers: [] })
      const made = (JSON.parse((await agents.iterate(["agents", "--json"])).stdout) as Array<{ id: string }>).find((a) => a.id === id)
      expect(made).toMatchObject({ harness: "pi", permissions: "allow-edits", directory: other })
    } finally {
      expect(await configured.close()).toBe(0)
    }
    configWith({ harness: "Vim!" })
    const refused = await agents.iterate(["acp"], { code: 1 })
    expect(refused.stderr).toMatch(/^iterate: .*config\.json: acp\.harness must be a harness name such as opencode, claude, pi, codex, gemini or a configured ACP agent's \(fix it with: iterate config edit\)\n$/)
    expect(refused.stdout).toBe("")
    configWith()
  })

  test("an unknown session is a JSON-RPC error; stdout held nothing but the protocol", async () => {
    const missing = (await acp.connection.agent.request("session/load", { sessionId: "nope99", cwd: agents.project, mcpServers: [] }).catch((e) => e)) as RequestError
    expect(missing.code).toBe(-32002)
    const lines = acp.stdout().trim().split("\n")
    expect(lines.length).toBeGreaterThan(10)
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ jsonrpc: "2.0" })
  })
})
