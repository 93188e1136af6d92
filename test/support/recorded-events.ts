// The HarnessEvents a harness-level test hands to a session: every call kept, with waits for what
// the test expects next. Each harness's support file adds the views of its own native events.
import type { HarnessEvents, HarnessResume, PermissionAsk, TurnEnd } from "../../src/harness/harness.ts"
import type { CrashPayload } from "../../src/protocol/agent-events.ts"
import { waitFor } from "./wait.ts"

export class RecordedEvents implements HarnessEvents {
  readonly natives: Array<Record<string, unknown>> = []
  readonly turns: TurnEnd[] = []
  readonly asks: PermissionAsk[] = []
  readonly withdrawn: string[] = []
  readonly crashes: CrashPayload[] = []
  readonly warnings: string[] = []
  readonly resumes: HarnessResume[] = []
  readonly started: number[] = []
  readonly exited: number[] = []
  /** called with each permission request as it arrives */
  onAsk: ((ask: PermissionAsk) => void) | undefined

  event(native: unknown): void {
    this.natives.push(native as Record<string, unknown>)
  }
  turnEnded(end: TurnEnd): void {
    this.turns.push(end)
  }
  permission(ask: PermissionAsk): void {
    this.asks.push(ask)
    this.onAsk?.(ask)
  }
  permissionWithdrawn(nativeId: string): void {
    this.withdrawn.push(nativeId)
  }
  warn(message: string): void {
    this.warnings.push(message)
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

  /** The `n`th turn end (1-based), once it came. */
  turn(n: number): Promise<TurnEnd> {
    return waitFor(`turn end #${n}`, () => this.turns[n - 1], { timeoutMs: 45_000 })
  }

  /** The `n`th permission request (1-based), once it came. */
  ask(n: number): Promise<PermissionAsk> {
    return waitFor(`permission request #${n}`, () => this.asks[n - 1], { timeoutMs: 45_000 })
  }

  /** Resolves once a native event of `type` (and matching `where`) has come, at index `from` or later. */
  seen(type: string, where: (event: Record<string, unknown>) => boolean = () => true, from = 0) {
    return waitFor(`a ${type} event`, () => this.natives.slice(from).find((e) => e.type === type && where(e)))
  }
}
