// The permission requests of a turn an ACP client started, asked of that client with
// session/request_permission: allow_once → allow, allow_always → always (for this tool), reject_once
// → deny, answered through the daemon like `iterate permit`. A request answered elsewhere first
// (another terminal, the web page) or withdrawn by the harness is taken back from the client with
// $/cancel_request; a late answer to it is refused by the daemon (409) and dropped here.
import type { AgentContext, PermissionOption, SessionUpdate } from "@agentclientprotocol/sdk"
import type { Command } from "commander"
import { connectFor } from "../client/connection.ts"
import type { Output } from "../client/output.ts"
import type { PermissionDecision } from "../protocol/agent-events.ts"
import { replyPermission } from "../sdk/sdk.gen.ts"
import type { PermissionPart, Transcript } from "../transcript/types.ts"
import { permissionToolKind, type SessionUpdates } from "./updates.ts"

const DECISIONS: Record<string, PermissionDecision> = { allow: "allow", always: "always", deny: "deny" }

const options = (tool: string): PermissionOption[] => [
  { optionId: "allow", name: "Allow once", kind: "allow_once" },
  { optionId: "always", name: `Always allow ${tool}`, kind: "allow_always" },
  { optionId: "deny", name: "Deny", kind: "reject_once" },
]

export interface PermissionsContext {
  sessionId: string
  agent: string
  client: AgentContext
  io: Output
  command: Command
  /** offset of the turn's prompt: requests before it belong to earlier turns */
  since: string
  /** whether the client cancelled the turn (it then answers open requests "cancelled") */
  cancelled: () => boolean
  updates: SessionUpdates
  send: (update: SessionUpdate) => Promise<void>
}

export class AcpPermissions {
  /** requests asked → what takes the question back */
  private readonly asked = new Map<string, AbortController>()

  constructor(private readonly context: PermissionsContext) {}

  /** Asks about the turn's new requests, and takes back questions nobody needs answered any more. */
  update(transcript: Transcript): void {
    const pending = transcript.pending.filter((p) => p.offset > this.context.since)
    for (const [id, question] of this.asked) if (!pending.some((p) => p.id === id)) question.abort()
    for (const request of pending) {
      if (this.asked.has(request.id)) continue
      const question = new AbortController()
      this.asked.set(request.id, question)
      void this.ask(transcript, request, question.signal).catch((error) => {
        if (!question.signal.aborted) this.context.io.note(`iterate acp: permission ${request.id}: ${(error as Error).message}`)
      })
    }
  }

  /** The turn is over: nothing is asked any more. */
  close(): void {
    for (const question of this.asked.values()) question.abort()
  }

  private async ask(transcript: Transcript, request: PermissionPart, signal: AbortSignal): Promise<void> {
    const { client, sessionId } = this.context
    let toolCallId = this.context.updates.toolCallOf(transcript, request)
    // A request about no tool call the client knows (Pi asks before its call starts, say) is a tool call of its own.
    const standalone = toolCallId === undefined
    if (toolCallId === undefined) {
      toolCallId = request.id
      await this.context.send({ sessionUpdate: "tool_call", toolCallId, title: request.summary, kind: permissionToolKind(request.permissionKind), status: "pending" })
    }
    const response = await client.request(
      "session/request_permission",
      { sessionId, toolCall: { toolCallId }, options: options(request.tool) },
      { cancellationSignal: signal, stopWaitingOnCancel: true },
    )
    const { outcome } = response
    // A client answers "cancelled" right after its session/cancel, but the ACP library resolves a
    // response at once while it dispatches a notification through async handlers: let the cancel
    // that came first set its flag before the answer is read as the client giving up.
    if (outcome.outcome === "cancelled") await new Promise((next) => setImmediate(next))
    // "cancelled" after a session/cancel: the abort withdraws the request. Otherwise the client gave up on it: deny.
    const decision = outcome.outcome === "selected" ? (DECISIONS[outcome.optionId] ?? "deny") : this.context.cancelled() ? undefined : "deny"
    if (!decision) return
    const connection = await connectFor(this.context.io, this.context.command)
    const result = await replyPermission({ client: connection.client, path: { agent: this.context.agent, id: request.id }, body: { decision } })
    // 409: answered elsewhere or withdrawn meanwhile; the first answer counts.
    if (!result.response?.ok && result.response?.status !== 409) throw new Error(`the daemon answered ${result.response?.status ?? "nothing"}`)
    if (standalone) await this.context.send({ sessionUpdate: "tool_call_update", toolCallId, status: decision === "deny" ? "failed" : "completed" })
  }
}
