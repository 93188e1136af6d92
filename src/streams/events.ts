import { formatOffset } from "./offsets.ts"
import type { AppendFence, StreamStore } from "./store.ts"

/** What a writer supplies; the daemon stamps the rest of the envelope (SPEC "Event envelope"). */
export interface EventInput {
  type: string
  payload?: unknown
  metadata?: Record<string, unknown>
}

export interface StreamEvent extends EventInput {
  /** the offset just after this event: reading from it continues with the next one */
  offset: string
  version: 1
  createdAt: string
  streamId: string
}

const encoder = new TextEncoder()

/**
 * Appends events to a JSON stream once they are durable; undefined when the stream does not exist.
 * With `fence`, rejects with FencedError when the lease moved on.
 */
export function appendEvents(store: StreamStore, streamId: string, inputs: EventInput[], fence?: AppendFence): Promise<StreamEvent[] | undefined> {
  const createdAt = new Date().toISOString()
  return store.appendWith(
    streamId,
    inputs.length,
    (seq, index) => {
      const { type, payload, metadata } = inputs[index]!
      const event: StreamEvent = { offset: formatOffset(seq), type, version: 1, createdAt, streamId, payload, metadata }
      return { data: encoder.encode(JSON.stringify(event)), value: event }
    },
    { fence },
  )
}
