// `iterate acp` driving agents of claude, pi or codex through the compiled binary, with the
// published ACP library as the editor, the real harness from npm and a scripted model server:
// session/new with the harness (from --harness, then from config.json's acp section), a reply
// streamed as chunks, a file written by a tool call the editor allows, one it rejects,
// session/cancel of a slow reply and of a turn waiting for the editor's answer, and session/load's
// replay. One sandbox, one daemon and one `iterate acp` per file, tests in order on one session;
// claude.test.ts, pi.test.ts and codex.test.ts run it with what differs between the harnesses
// (test/support/harness-scripts.ts). acp.test.ts covers the rest of ACP with opencode.
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { PROTOCOL_VERSION } from "@agentclientprotocol/sdk"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { type AcpClient, callsSince, chunkText, startAcp, updatesOf } from "../../support/acp-client.ts"
import { payloadsOf, useAgentSandbox } from "../../support/agent-sandbox.ts"
import { conversationOf, type HarnessScript, modelArgs } from "../../support/harness-scripts.ts"
import { waitFor } from "../../support/wait.ts"
import type { Agent } from "../../../src/sdk/types.gen.ts"

const REPLY = "iterate:agent:action:permission-reply:called"
const REQUESTED = "iterate:agent:permission:requested"
const WITHDRAWN = "iterate:agent:permission:withdrawn"

export function acpHarnessSuite<Reply>(script: HarnessScript<Reply>): void {
  const { harness, stub } = script
  const agents = useAgentSandbox(stub, harness)
  let acp: AcpClient
  let sessionId: string

  beforeAll(() => {
    acp = startAcp(agents.sandbox, ["--harness", harness, ...modelArgs(script)])
  })
  afterAll(async () => {
    await acp.close()
  })

  const initialize = (client: AcpClient) => client.connection.agent.request("initialize", { protocolVersion: PROTOCOL_VERSION, clientCapabilities: {} })
  const prompt = (words: string) => acp.connection.agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: words }] })
  const agentJson = async (id = sessionId) => (JSON.parse((await agents.iterate(["agents", "--json"])).stdout) as Agent[]).find((a) => a.id === id)
  const file = (name: string) => join(agents.project, name)
  const lastAsked = () => conversationOf(stub.turns.at(-1)!)

  describe(`iterate acp with ${harness}`, { timeout: 120_000 }, () => {
    test(`session/new with --harness ${harness} makes a ${harness} agent in the directory`, async () => {
      await initialize(acp)
      sessionId = (await acp.connection.agent.request("session/new", { cwd: agents.project, mcpServers: [] })).sessionId
      expect(await agentJson()).toMatchObject({ id: sessionId, harness, directory: agents.project, permissions: "ask", status: "idle" })
    })

    test("a prompt's reply streams as agent_message_chunk updates, then the turn ends", async () => {
      const reply = "Hello from the stub, streamed in small chunks."
      stub.reply(script.text(reply, { chunkSize: 4, delayMs: 20 }))
      const from = acp.updates.length
      expect(await prompt("say hello")).toEqual({ stopReason: "end_turn" })
      expect(lastAsked()).toContain("say hello")
      expect(chunkText(acp.updates, "agent_message_chunk", from)).toBe(reply)
      expect(updatesOf(acp.updates, "user_message_chunk", from)).toEqual([])
      expect(acp.updates.slice(from).every((n) => n.sessionId === sessionId)).toBe(true)
    })

    test("a write the editor allows: the permission is asked on its tool_call, updated to completed, and the file is on disk", async () => {
      stub.reply(script.write(agents.project, "allowed.txt", `allowed by the editor\n`), script.text("Wrote it."))
      const from = acp.updates.length
      let known = false
      acp.answer = async (request) => {
        known = updatesOf(acp.updates, "tool_call", from).some((c) => c.toolCallId === request.toolCall.toolCallId)
        return { outcome: { outcome: "selected", optionId: "allow" } }
      }
      const asked = acp.permissionRequests.length
      expect(await prompt("write allowed.txt")).toEqual({ stopReason: "end_turn" })
      expect(readFileSync(file("allowed.txt"), "utf8")).toBe("allowed by the editor\n")
      expect(chunkText(acp.updates, "agent_message_chunk", from)).toBe("Wrote it.")

      const requests = acp.permissionRequests.slice(asked)
      expect(requests).toHaveLength(1)
      expect(requests[0]!.options.map((o) => o.kind)).toEqual(["allow_once", "allow_always", "reject_once"])
      // One tool call for the one write, and the editor was asked about that one.
      const calls = callsSince(acp.updates, from)
      expect(calls).toMatchObject([{ kind: "edit", status: "completed" }])
      const [call] = calls
      expect(requests[0]!.toolCall.toolCallId).toBe(call!.toolCallId)
      // The editor had been told of the tool call before it was asked about it.
      expect(known).toBe(true)
      expect(call!.content).toContainEqual({ type: "diff", path: file("allowed.txt"), newText: "allowed by the editor\n" })
      expect(updatesOf(acp.updates, "tool_call_update", from).filter((u) => u.toolCallId === call!.toolCallId).at(-1)).toMatchObject({ status: "completed" })
      expect(payloadsOf(await agents.events(sessionId), REPLY).at(-1)).toMatchObject({ decision: "allow" })
    })

    test("a write the editor rejects: nothing is written, the tool call fails, and the turn ends cleanly", async () => {
      stub.reply(script.write(agents.project, "rejected.txt", "no\n"), script.text("Fine, I did not write it."))
      acp.answer = async () => ({ outcome: { outcome: "selected", optionId: "deny" } })
      const from = acp.updates.length
      const asked = acp.permissionRequests.length
      expect(await prompt("write rejected.txt")).toEqual({ stopReason: "end_turn" })
      expect(existsSync(file("rejected.txt"))).toBe(false)
      expect(acp.permissionRequests.length).toBe(asked + 1)
      expect(callsSince(acp.updates, from)).toMatchObject([{ kind: "edit", status: "failed" }])
      expect(chunkText(acp.updates, "agent_message_chunk", from)).toBe("Fine, I did not write it.")
      expect(payloadsOf(await agents.events(sessionId), REPLY).at(-1)).toMatchObject({ decision: "deny" })
      expect(await agentJson()).toMatchObject({ status: "idle" })
    })

    test("session/cancel aborts a slow reply: the prompt stops as cancelled, and the next prompt works", async () => {
      const long = "word ".repeat(400)
      stub.reply(script.text(long, { chunkSize: 5, delayMs: 50 }))
      const from = acp.updates.length
      const turn = prompt("talk for a long time")
      await waitFor("the reply to stream", () => updatesOf(acp.updates, "agent_message_chunk", from).length > 0, { timeoutMs: 60_000 })
      await acp.connection.agent.notify("session/cancel", { sessionId })
      expect(await turn).toEqual({ stopReason: "cancelled" })
      await waitFor("the model request to be cancelled", () => stub.turns.at(-1)!.cancelled)
      expect(chunkText(acp.updates, "agent_message_chunk", from).length).toBeLessThan(long.length)
      expect(await agentJson()).toMatchObject({ status: "idle" })

      stub.reply(script.text("Still here."))
      const next = acp.updates.length
      expect(await prompt("still there?")).toEqual({ stopReason: "end_turn" })
      expect(chunkText(acp.updates, "agent_message_chunk", next)).toBe("Still here.")
      // The same harness session: the model sees the first turn.
      expect(lastAsked()).toContain("Hello from the stub, streamed in small chunks.")
    })

    test("session/cancel while the editor is asked: the prompt stops as cancelled, nothing is written, the request is withdrawn", async () => {
      stub.reply(script.write(agents.project, "cancelled.txt", "no\n"))
      // An editor answers its open questions "cancelled" once it has cancelled the turn (ACP says so).
      let cancelled = () => {}
      acp.answer = () => new Promise((answered) => (cancelled = () => answered({ outcome: { outcome: "cancelled" } })))
      const asked = acp.permissionRequests.length
      const from = acp.updates.length
      const turn = prompt("write cancelled.txt")
      await waitFor("the editor to be asked", () => acp.permissionRequests.length > asked, { timeoutMs: 60_000 })
      await acp.connection.agent.notify("session/cancel", { sessionId })
      cancelled()
      expect(await turn).toEqual({ stopReason: "cancelled" })
      expect(existsSync(file("cancelled.txt"))).toBe(false)
      await waitFor("the agent to be idle", async () => (await agentJson())!.status === "idle")
      expect(JSON.parse((await agents.iterate(["permissions", sessionId, "--json"])).stdout)).toEqual([])
      const events = await agents.events(sessionId)
      expect(payloadsOf(events, WITHDRAWN).map((w) => w.id)).toContain(payloadsOf(events, REQUESTED).at(-1).id)
      // The editor is not left showing the tool call as still running.
      expect(callsSince(acp.updates, from)).toMatchObject([{ kind: "edit", status: "failed" }])
    })

    test("session/load in another editor replays the conversation", async () => {
      const again = startAcp(agents.sandbox)
      try {
        await initialize(again)
        expect(await again.connection.agent.request("session/load", { sessionId, cwd: agents.project, mcpServers: [] })).toEqual({})
        const users = updatesOf(again.updates, "user_message_chunk").map((u) => (u.content.type === "text" ? u.content.text : ""))
        expect(users).toEqual(["say hello", "write allowed.txt", "write rejected.txt", "talk for a long time", "still there?", "write cancelled.txt"])
        expect(callsSince(again.updates)).toMatchObject([
          { kind: "edit", status: "completed" },
          { kind: "edit", status: "failed" },
          { kind: "edit", status: "failed" },
        ])
        expect(chunkText(again.updates, "agent_message_chunk")).toContain("Hello from the stub, streamed in small chunks.")
      } finally {
        expect(await again.close()).toBe(0)
      }
    })

    test(`without --harness, acp.harness ${harness} in config.json makes the new sessions ${harness} agents`, async () => {
      await agents.iterate(["config", "set", "acp.harness", harness])
      if (script.model) await agents.iterate(["config", "set", "acp.model", script.model])
      const configured = startAcp(agents.sandbox)
      try {
        await initialize(configured)
        const other = agents.newProject("configured")
        const { sessionId: id } = await configured.connection.agent.request("session/new", { cwd: other, mcpServers: [] })
        expect(await agentJson(id)).toMatchObject({ harness, directory: other, ...(script.model && { model: script.model }) })
        stub.reply(script.text("Configured."))
        const reply = await configured.connection.agent.request("session/prompt", { sessionId: id, prompt: [{ type: "text", text: "hello" }] })
        expect(reply).toEqual({ stopReason: "end_turn" })
        expect(chunkText(configured.updates, "agent_message_chunk")).toBe("Configured.")
      } finally {
        expect(await configured.close()).toBe(0)
        await agents.iterate(["config", "unset", "acp"])
      }
    })
  })
}
