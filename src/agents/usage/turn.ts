// What one turn spent, as its harness reported it. The adapter hands each of the turn's native
// events to a TurnUsage as it appends them, and at the turn's end takes the ledger entries: the
// turn's events folded with the harness's own transcript reducer (src/harness/transcripts.ts), the
// one renderers use, whose messages carry the usage each harness reports (claude's `result`,
// opencode's message tokens and cost, pi's message usage, …). Harness-agnostic: a new harness is
// covered once its reducer fills Message.usage. Only the turn's events are folded, as they come,
// so a turn's end costs a walk over its messages and nothing more.
import { transcriptFor } from "../../harness/transcripts.ts"
import { harnessEventType, type UsageRecordedPayload } from "../../protocol/agent-events.ts"
import type { TranscriptBuilder } from "../../transcript/build.ts"
import type { Usage } from "../../transcript/types.ts"

type Tokens = Omit<UsageRecordedPayload, "prompt" | "model">

const FIELDS = ["inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "reasoningTokens", "costUsd"] as const satisfies ReadonlyArray<keyof Tokens & keyof Usage>

const zero = (): Tokens => ({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0 })

export class TurnUsage {
  readonly #builder: TranscriptBuilder
  readonly #type: string
  #count = 0

  constructor(harness: string) {
    this.#builder = transcriptFor(harness)
    this.#type = harnessEventType(harness)
  }

  /** The turn's next native event, as the harness reported it. */
  push(native: unknown): void {
    // The builder needs rising offsets; the stream's are not known until the batch commits.
    this.#builder.push({ offset: String(++this.#count).padStart(16, "0"), type: this.#type, payload: native })
  }

  /**
   * One entry per model the turn's messages name (`model` for those that name none), none for a
   * turn that reported nothing spent.
   */
  entries(prompt: string, model: string | undefined): UsageRecordedPayload[] {
    const byModel = new Map<string, Tokens>()
    for (const message of this.#builder.transcript.messages) {
      if (!message.usage) continue
      const name = message.model ?? model ?? ""
      const sum = byModel.get(name) ?? zero()
      for (const field of FIELDS) sum[field] += message.usage[field] ?? 0
      byModel.set(name, sum)
    }
    return [...byModel]
      .filter(([, tokens]) => FIELDS.some((field) => tokens[field] !== 0))
      .map(([name, tokens]) => ({ prompt, ...(name && { model: name }), ...tokens }))
  }
}
