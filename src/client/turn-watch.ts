// When the turn a prompt started is over, told from the agent's stream: `run`, `prompt` and ACP
// follow a turn until then.
import { AGENT_EVENT, type ErrorPayload, type StatusPayload } from "../protocol/agent-events.ts"
import type { AgentStreamEvent } from "../transcript/types.ts"

/**
 * Whether `event` ends the turn of the prompt at `prompt`: its status once the adapter took the
 * prompt (busy with that offset), or the adapter's refusal of the prompt itself.
 */
export class TurnWatch {
  taken = false
  end: StatusPayload | undefined

  constructor(private readonly prompt: string) {}

  push(event: AgentStreamEvent): void {
    if (event.type === AGENT_EVENT.status) {
      const status = event.payload as StatusPayload
      if (status.status === "busy") this.taken ||= status.prompt === this.prompt
      else if (this.taken || status.prompt === this.prompt) this.end = status
    } else if (event.type === AGENT_EVENT.error && !this.taken) {
      const error = event.payload as ErrorPayload
      if (error.action === this.prompt) this.end = { status: "error", error: error.message }
    }
  }
}
