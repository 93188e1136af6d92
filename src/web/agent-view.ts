// An open agent: its stream folded into a transcript by the same per-harness reducers the CLI
// uses, read live from the last offset. The events seen so far are kept in sessionStorage, so a
// reload folds them again and reads on from their offset: no event twice, none missing.
import { signal } from "@preact/signals"
import { transcriptFor } from "../harness/transcripts.ts"
import type { AgentStreamEvent, Transcript } from "../transcript/types.ts"
import { follow } from "./live.ts"
import { notifyStatus } from "./notify.ts"

const CACHE_LIMIT = 4_000_000
const SAVE_EVERY_MS = 1000
const cacheKey = (stream: string) => `iterate:events:${stream}`

/** offset the user has seen each agent up to, for the unread marker of the agents page */
export const seenKey = (id: string) => `iterate:seen:${id}`

interface Cached {
  offset: string
  events: AgentStreamEvent[]
}

function readCache(stream: string): Cached | undefined {
  try {
    const text = sessionStorage.getItem(cacheKey(stream))
    return text ? (JSON.parse(text) as Cached) : undefined
  } catch {
    return undefined
  }
}

export class AgentView {
  readonly events: AgentStreamEvent[] = []
  /** bumped (at most once a frame) after new events were folded: components re-render on it */
  readonly revision = signal(0)
  readonly connection = signal<"connecting" | "live" | "reconnecting" | "missing">("connecting")
  readonly caughtUp = signal(false)
  readonly #builder
  readonly #abort = new AbortController()
  #scheduled = false
  #saveTimer: ReturnType<typeof setTimeout> | undefined

  constructor(
    readonly id: string,
    readonly name: string,
    readonly stream: string,
    harness: string,
  ) {
    this.#builder = transcriptFor(harness)
  }

  get transcript(): Transcript {
    return this.#builder.transcript
  }

  start(): void {
    const cached = readCache(this.stream)
    if (cached) this.#fold(cached.events)
    addEventListener("pagehide", this.#save)
    void follow(this.stream, {
      offset: this.transcript.offset ?? "-1",
      signal: this.#abort.signal,
      onState: (state) => (this.connection.value = state),
      onBatch: (batch) => {
        if (batch.data) {
          const before = { status: this.transcript.status }
          this.#fold(JSON.parse(batch.data) as AgentStreamEvent[])
          // Only what happens while the page watches is news; the history read on opening is not.
          if (this.caughtUp.value) notifyStatus(this.name, before.status, this.transcript.status)
        }
        if (batch.upToDate) this.caughtUp.value = true
        this.#scheduleSave()
      },
    })
  }

  stop(): void {
    this.#abort.abort()
    this.#save()
    removeEventListener("pagehide", this.#save)
  }

  #fold(events: AgentStreamEvent[]): void {
    for (const event of events) {
      const before = this.transcript.offset
      this.#builder.push(event)
      if (this.transcript.offset !== before) this.events.push(event)
    }
    if (this.transcript.offset) localStorage.setItem(seenKey(this.id), this.transcript.offset)
    if (this.#scheduled) return
    this.#scheduled = true
    // A background tab gets no animation frames; a timer still redraws it.
    const redraw = () => {
      if (!this.#scheduled) return
      this.#scheduled = false
      this.revision.value++
    }
    requestAnimationFrame(redraw)
    setTimeout(redraw, 100)
  }

  #scheduleSave(): void {
    this.#saveTimer ??= setTimeout(this.#save, SAVE_EVERY_MS)
  }

  readonly #save = (): void => {
    clearTimeout(this.#saveTimer)
    this.#saveTimer = undefined
    const offset = this.transcript.offset
    if (!offset) return
    const text = JSON.stringify({ offset, events: this.events } satisfies Cached)
    try {
      if (text.length > CACHE_LIMIT) sessionStorage.removeItem(cacheKey(this.stream))
      else sessionStorage.setItem(cacheKey(this.stream), text)
    } catch {
      // storage full: the next visit reads the stream from its start instead
      sessionStorage.removeItem(cacheKey(this.stream))
    }
  }
}
