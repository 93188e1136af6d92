// What a Pi session reports, recorded for a test to wait on, with the replies Pi's events carry.
import { RecordedEvents } from "./recorded-events.ts"

export class PiSessionEvents extends RecordedEvents {
  /** The text the assistant's messages ended with, in order. */
  get replies(): string[] {
    return this.natives
      .filter((e) => e.type === "message_end" && (e.message as { role?: string }).role === "assistant")
      .map((e) => ((e.message as { content: Array<{ type: string; text?: string }> }).content.find((c) => c.type === "text")?.text ?? ""))
  }
}
