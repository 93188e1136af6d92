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
export function appendEvents(store: StreamStore, streamId: string, inputs: LinkedInput[], fence?: AppendFence): Promise<StreamEvent[] | undefined> {
  const createdAt = new Date().toISOString()
  return store.appendWith(streamId, inputs.length, (seq, index) => stamped(inputs[index]!, seq, index, createdAt, streamId), { fence })
}

/**
 * An event, or one made once its offset is known, whose payload may name the offset of another
 * event of the same append by its index there (`offsetOf(i)`): the offsets are given out as the
 * events are stored, in one run.
 */
export type LinkedInput = EventInput | ((offsetOf: (index: number) => string) => EventInput)

/**
 * Creates the JSON stream `streamId` holding `inputs` from its first offset on, in one commit;
 * undefined when a stream of that name exists already (then nothing is written).
 */
export async function createWithEvents(store: StreamStore, streamId: string, inputs: LinkedInput[]): Promise<StreamEvent[] | undefined> {
  const createdAt = new Date().toISOString()
  const events = inputs.map((input, index) => stamped(input, index + 1, index, createdAt, streamId))
  const { created } = await store.create(streamId, { contentType: "application/json", initial: events.map((e) => e.data) })
  return created ? events.map((e) => e.value) : undefined
}

/** The envelope the daemon stamps on the event at `index` of a write, stored under `seq`. */
function stamped(input: LinkedInput, seq: number, index: number, createdAt: string, streamId: string): { data: Uint8Array; value: StreamEvent } {
  const { type, payload, metadata } = typeof input === "function" ? input((i) => formatOffset(seq - index + i)) : input
  const event: StreamEvent = { offset: formatOffset(seq), type, version: 1, createdAt, streamId, payload, metadata }
  return { data: encoder.encode(JSON.stringify(event)), value: event }
}
