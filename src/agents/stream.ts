// The agents layer's only door to the stream store: create and delete an agent's stream, append
// events to it, read the events after an offset and hear about appends.
import { appendEvents, createWithEvents, type LinkedInput, type StreamEvent } from "../streams/events.ts"
import { parseOffset } from "../streams/offsets.ts"
import type { AppendFence, StreamStore } from "../streams/store.ts"

const decoder = new TextDecoder()

/** An agent's stream is `agents/<id>`. */
export const AGENT_STREAM_PREFIX = "agents/"
export const agentStream = (id: string) => `${AGENT_STREAM_PREFIX}${id}`

export class AgentStreams {
  constructor(private readonly store: StreamStore) {}

  /** Creates the JSON stream; false when a stream of that name already exists. */
  async create(name: string): Promise<boolean> {
    return (await this.store.create(name, { contentType: "application/json" })).created
  }

  /** Creates the JSON stream holding `events`, in one commit; undefined (nothing written) when a stream of that name exists already. */
  createWith(name: string, events: LinkedInput[]): Promise<StreamEvent[] | undefined> {
    return createWithEvents(this.store, name, events)
  }

  async remove(name: string): Promise<void> {
    await this.store.delete(name)
  }

  /** Appends the events in one commit, settling once they are durable; undefined when the stream is gone. FencedError when `fence` fails. */
  append(name: string, events: LinkedInput[], fence?: AppendFence): Promise<StreamEvent[] | undefined> {
    return appendEvents(this.store, name, events, fence)
  }

  /** Closes the stream: readers following it end once they read to its end. */
  async close(name: string): Promise<void> {
    await this.store.append(name, { messages: [], close: true })
  }

  /** Up to `limit` events after `offset` (from the start when undefined); undefined when the stream is gone. */
  async read(name: string, offset: string | undefined, limit = 1000): Promise<StreamEvent[] | undefined> {
    const meta = await this.store.get(name)
    if (!meta) return undefined
    const after = offset === undefined ? 0 : parseOffset(offset)
    if (after === undefined) throw new Error(`stream ${name}: ${offset} is not an offset`)
    return (await this.store.read(meta, after, limit)).map((m) => JSON.parse(decoder.decode(m.data)) as StreamEvent)
  }

  /** Calls `listener` with the agent's id after each committed change to an agent's stream heard on this node. */
  watchAgents(listener: (agentId: string, change: "changed" | "deleted") => void): () => void {
    return this.store.watch((name, change) => {
      if (name.startsWith(AGENT_STREAM_PREFIX)) listener(name.slice(AGENT_STREAM_PREFIX.length), change)
    })
  }

  /**
   * Calls `listener` after each append to the stream, and once as soon as it listens (the stream
   * is looked up first, and an append may land meanwhile); returns the unsubscribe function.
   */
  subscribe(name: string, listener: () => void): () => void {
    let unsubscribe: (() => void) | undefined
    let stopped = false
    this.store
      .get(name)
      .then((meta) => {
        if (!meta || stopped) return
        unsubscribe = this.store.subscribe(meta.id, listener)
        listener()
      })
      .catch((error) => console.error(`cannot follow stream ${name}: ${(error as Error).message}`))
    return () => {
      stopped = true
      unsubscribe?.()
    }
  }
}
