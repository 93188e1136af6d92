// What a Pi session reports, recorded for a test to wait on: a HarnessEvents that keeps every call.
import type { CrashPayload } from "../../src/protocol/agent-events.ts"
import type { HarnessEvents, HarnessResume, PermissionAsk, TurnEnd } from "../../src/harness/harness.ts"
import { waitFor } from "./wait.ts"

export class RecordedEvents implements HarnessEvents {
  readonly natives: Array<{ type: string; [key: string]: unknown }> = []
  readonly ends: TurnEnd[] = []
  readonly asks: PermissionAsk[] = []
  readonly withdrawn: string[] = []
  readonly crashes: CrashPayload[] = []
  readonly resumes: HarnessResume[] = []
  readonly started: number[] = []
  readonly exited: number[] = []
  /** called with each permission request as it arrives */
  onAsk: ((ask: PermissionAsk) => void) | undefined

  event(native: unknown): void {
    this.natives.push(native as { type: string })
  }
  turnEnded(end: TurnEnd): void {
    this.ends.push(end)
  }
  permission(ask: PermissionAsk): void {
    this.asks.push(ask)
    this.onAsk?.(ask)
  }
  permissionWithdrawn(nativeId: string): void {
    this.withdrawn.push(nativeId)
  }
  crashed(crash: CrashPayload): void {
    this.crashes.push(crash)
  }
  resumable(resume: HarnessResume): void {
    this.resumes.push(resume)
  }
  processStarted(pid: number): void {
    this.started.push(pid)
  }
  processExited(pid: number): void {
    this.exited.push(pid)
  }

  /** The end of turn number `n` (1 for the first). */
  turn(n: number): Promise<TurnEnd> {
    return waitFor(`the end of turn ${n}`, () => this.ends[n - 1])
  }

  /** Resolves once an event of `type` (and matching `where`) has come, at index `from` or later. */
  seen(type: string, where: (event: Record<string, unknown>) => boolean = () => true, from = 0) {
    return waitFor(`a ${type} event`, () => this.natives.slice(from).find((e) => e.type === type && where(e)))
  }

  /** The text the assistant's messages ended with, in order. */
  get replies(): string[] {
    return this.natives
      .filter((e) => e.type === "message_end" && (e.message as { role?: string }).role === "assistant")
      .map((e) => ((e.message as { content: Array<{ type: string; text?: string }> }).content.find((c) => c.type === "text")?.text ?? ""))
  }
}
