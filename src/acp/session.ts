// One ACP session: an iterate agent (the session id is the agent's id) whose stream this process
// folds into a transcript and tells the client about. The stream is read when the client asks
// something of the session: a load replays it all, and a prompt first reports what happened since
// (turns from other clients), then sends its prompt and follows the stream until that turn is
// over, asking the client about the turn's permission requests on the way. Between prompts
// nothing is read: the agent lives on in the daemon, and the next request catches up.
import { type AgentContext, RequestError, type SessionUpdate, type StopReason } from "@agentclientprotocol/sdk"
import type { Command } from "commander"
import type { Output } from "../client/output.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import { readStreamFrom } from "../client/stream-reader.ts"
import { TurnWatch } from "../client/turn-watch.ts"
import { abortAgent, promptAgent } from "../sdk/sdk.gen.ts"
import type { Agent } from "../sdk/types.gen.ts"
import type { TranscriptBuilder } from "../transcript/build.ts"
import { transcriptFor } from "../harness/transcripts.ts"
import type { AgentStreamEvent } from "../transcript/types.ts"
import { AcpPermissions } from "./permissions.ts"
import { SessionUpdates } from "./updates.ts"

interface Turn {
  /** offset of the prompt action, once the daemon stored it */
  prompt?: string
  cancelled: boolean
}

export class AcpSession {
  private readonly builder: TranscriptBuilder
  private readonly updates: SessionUpdates
  private turn: Turn | undefined

  constructor(
    readonly agent: Agent,
    private readonly client: AgentContext,
    private readonly io: Output,
    private readonly command: Command,
  ) {
    this.builder = transcriptFor(agent.harness)
    this.updates = new SessionUpdates(agent.directory)
  }

  get id(): string {
    return this.agent.id
  }

  /** Reads the stream up to now; `tell`: the client gets what it had not seen (a replay, for a load). */
  async catchUp(tell: boolean): Promise<void> {
    await readStreamFrom(this.io, this.command, this.agent.stream, {
      offset: this.builder.transcript.offset ?? "-1",
      follow: false,
      onMessages: (events) => {
        for (const event of events as AgentStreamEvent[]) this.builder.push(event)
      },
    })
    const updates = this.updates.next(this.builder.transcript)
    if (tell) await this.send(updates)
  }

  /** Runs one turn: sends the prompt, streams the reply, and says why the turn stopped. */
  async prompt(text: string, signal: AbortSignal): Promise<StopReason> {
    if (this.turn) throw RequestError.invalidRequest(undefined, `a prompt is running in session ${this.id} already`)
    const turn: Turn = { cancelled: signal.aborted }
    this.turn = turn
    const onAbort = () => void this.cancel()
    signal.addEventListener("abort", onAbort)
    try {
      await this.catchUp(true)
      // Cancelled before the prompt went out: there is no turn to run.
      if (turn.cancelled) return "cancelled"
      const connection = await connectFor(this.io, this.command)
      const sent = unwrap(connection, await promptAgent({ client: connection.client, path: { agent: this.id }, body: { text } }))
      turn.prompt = sent.event.offset
      // A cancel that came while the prompt was on its way has nothing to abort yet.
      if (turn.cancelled) await this.abort()
      const end = await this.follow(turn.prompt, turn)
      if (turn.cancelled || end.aborted) return "cancelled"
      if (end.status === "error") throw new RequestError(-32603, end.error ?? "the turn failed")
      return "end_turn"
    } finally {
      signal.removeEventListener("abort", onAbort)
      this.turn = undefined
    }
  }

  /** session/cancel: aborts the running turn; its prompt then stops as cancelled. */
  async cancel(): Promise<void> {
    const turn = this.turn
    if (!turn || turn.cancelled) return
    turn.cancelled = true
    if (turn.prompt) await this.abort()
  }

  private async abort(): Promise<void> {
    const connection = await connectFor(this.io, this.command)
    unwrap(connection, await abortAgent({ client: connection.client, path: { agent: this.id } }))
  }

  /** Follows the stream from where the transcript is until the turn of `prompt` is over. */
  private async follow(prompt: string, turn: Turn) {
    const watch = new TurnWatch(prompt)
    const permissions = new AcpPermissions({
      sessionId: this.id,
      agent: this.id,
      client: this.client,
      io: this.io,
      command: this.command,
      since: prompt,
      cancelled: () => turn.cancelled,
      updates: this.updates,
      send: (update) => this.send([update]),
    })
    try {
      await readStreamFrom(this.io, this.command, this.agent.stream, {
        offset: this.builder.transcript.offset ?? "-1",
        follow: true,
        until: () => watch.end !== undefined,
        onMessages: async (events) => {
          for (const event of events as AgentStreamEvent[]) {
            this.builder.push(event)
            watch.push(event)
            // What follows the end belongs to later turns: the next catch-up reads it.
            if (watch.end) break
          }
          await this.send(this.updates.next(this.builder.transcript, (message) => message.offset === prompt))
          if (!watch.end) permissions.update(this.builder.transcript)
        },
      })
    } finally {
      permissions.close()
    }
    return watch.end!
  }

  private async send(updates: SessionUpdate[]): Promise<void> {
    for (const update of updates) await this.client.notify("session/update", { sessionId: this.id, update })
  }
}
