// What `run` and `prompt` do with a permission request of the turn they follow that the agent's
// policy left to a person: on a terminal, ask (y once, a always for this tool, n deny); without
// one, say which `iterate permit` answers it and keep waiting; `--on-permission deny|fail` decides
// instead (fail aborts the turn). Someone else may answer first, from another terminal or the
// web page: then the question goes away.
import type { Connection } from "../client/connect.ts"
import type { PermissionDecision } from "../protocol/agent-events.ts"
import { abortAgent, replyPermission } from "../sdk/sdk.gen.ts"
import type { PermissionPart, Transcript } from "../transcript/types.ts"
import { askKey, type KeyQuestion } from "./ask.ts"
import { unwrap } from "../client/connection.ts"
import type { Output } from "../client/output.ts"

export type OnPermission = "deny" | "fail"

const KEYS: Record<string, PermissionDecision> = { y: "allow", a: "always", n: "deny" }

export class TurnPermissions {
  private readonly seen = new Set<string>()
  private readonly queue: PermissionPart[] = []
  private asking: { id: string; question: KeyQuestion } | undefined
  private latest: Transcript | undefined
  /** why the turn was made to fail (--on-permission fail) */
  failure: string | undefined

  constructor(
    private readonly io: Output,
    private readonly connection: Connection,
    /** the agent as the user named it, for the commands shown */
    private readonly agent: string,
    /** offset of the prompt: requests before it belong to earlier turns */
    private readonly since: string,
    private readonly decide: OnPermission | undefined,
    private readonly interactive: boolean,
  ) {}

  /** Handles the requests of this turn that are new in `transcript`, and drops questions answered elsewhere. */
  async update(transcript: Transcript): Promise<void> {
    this.latest = transcript
    const pending = transcript.pending.filter((p) => p.offset > this.since)
    if (this.asking && !pending.some((p) => p.id === this.asking!.id)) this.asking.question.cancel()
    for (const request of pending) {
      if (this.seen.has(request.id)) continue
      this.seen.add(request.id)
      if (this.decide === "deny") await this.reply(request.id, "deny", "denied by --on-permission deny")
      else if (this.decide === "fail") await this.fail(request)
      else if (this.interactive) this.enqueue(request)
      else this.io.note(`permission needed: ${request.summary} — answer with: iterate permit ${this.agent} ${request.id} [--always | --deny]`)
    }
  }

  /** The turn is over: nothing is asked any more. */
  close(): void {
    this.queue.length = 0
    this.asking?.question.cancel()
  }

  private async fail(request: PermissionPart): Promise<void> {
    if (this.failure) return
    this.failure = `permission needed: ${request.summary} (--on-permission fail aborted the turn)`
    unwrap(this.connection, await abortAgent({ client: this.connection.client, path: { agent: this.agent } }))
  }

  private enqueue(request: PermissionPart): void {
    this.queue.push(request)
    if (!this.asking) void this.next()
  }

  private async next(): Promise<void> {
    const request = this.queue.shift()
    if (!request) return
    if (!this.latest?.pending.some((p) => p.id === request.id)) return this.next()
    const question = askKey(this.io, `? ${request.summary} — allow? [y] once, [a] always ${request.tool}, [n] no: `, Object.keys(KEYS))
    this.asking = { id: request.id, question }
    const key = await question.answer
    this.asking = undefined
    // A request answered meanwhile (elsewhere) refuses a second answer: that is no error here.
    if (key) await this.reply(request.id, KEYS[key]!).catch((error) => this.io.note(`iterate: ${(error as Error).message}`))
    await this.next()
  }

  private async reply(id: string, decision: PermissionDecision, message?: string): Promise<void> {
    const body = { decision, ...(message && { message }) }
    unwrap(this.connection, await replyPermission({ client: this.connection.client, path: { agent: this.agent, id }, body }))
  }
}
