// Keeps the search index up with the agents' streams, apart from the appends: it hears that a
// stream changed (after the append was acknowledged), waits a moment so that a streaming reply's
// events are read together, then reads on from where that agent's stream is indexed up to and
// folds the events with the harness's reducer. Text is stored once it is final, never a reply
// token by token: a running turn's prompt, finished tool calls and answered requests at once, the
// rest when the turn is over. A harness may send a late event of a turn after its end, so the
// last turn stays open until the next prompt begins another: its text is stored (and replaced
// when it grows), while the progress stays at its start. Progress is stored with the text, in one
// commit: after a restart it catches up from there, on start, for every agent. On a shared store
// each node indexes the agents it runs and those none runs; if two get to one agent, the second's
// commit finds the progress moved and is dropped.
import { transcriptFor } from "../../harness/transcripts.ts"
import { AGENT_EVENT } from "../../protocol/agent-events.ts"
import type { TranscriptBuilder } from "../../transcript/build.ts"
import type { Transcript } from "../../transcript/types.ts"
import type { AgentRecord } from "../store.ts"
import type { AgentStreams } from "../stream.ts"
import { type ArchiveDocument, documentsOf } from "./documents.ts"
import type { ArchiveIndex } from "./store.ts"

/** What the agents layer needs of the indexer, whether it runs on the daemon's thread or its own (thread.ts). */
export interface Indexing {
  /** Catches up with every agent's stream, then follows those it is told of. */
  start(): void
  /** An agent's stream changed (or was deleted). */
  changed(agentId: string, change: "changed" | "deleted"): void
  /** Resolves once every stream heard of is indexed up to its end (without waiting out the delay). */
  caughtUp(): Promise<void>
  stop(): Promise<void>
}

/**
 * Which agents a node indexes: on a shared store (`node` set) the agents it runs and those no node
 * runs (archived, orphaned); on SQLite all of them.
 */
export const indexedBy = (node: string | undefined) => (agent: AgentRecord) =>
  node === undefined || agent.node === undefined || agent.node === node || agent.archivedAt !== undefined || agent.leaseExpired

export interface IndexerOptions {
  index: ArchiveIndex
  /** where it reads the agents' streams */
  streams: AgentStreams
  /** the agent's record; undefined when it is gone */
  agent(id: string): Promise<AgentRecord | undefined>
  /** every agent, archived ones too */
  agents(): Promise<AgentRecord[]>
  /** whether this node indexes the agent; every agent when absent */
  indexes?(agent: AgentRecord): boolean
  /** how long after hearing of a change it reads; 250 ms by default */
  delayMs?: number
}

// Events read at a time, and documents gathered before a commit while catching up.
const BATCH = 500
const COMMIT_EVERY = 500
const DELAY_MS = 250
// While streams are being appended to (a change heard within BUSY_MS), indexing takes at most this
// share of the time: it rests between pieces of work, and catches up at full speed once it is quiet.
const SHARE = 0.1
const BUSY_MS = 1_000

/** Where one agent's indexing stands, between reads. */
interface Progress {
  /** what the index holds up to: the open turn's start, or earlier while turns wait in `documents` */
  committed: string
  /** the turns before the open one end here; their documents wait in `documents` */
  settled: string
  /** the last event read */
  read: string
  documents: Map<string, ArchiveDocument>
  /** the open turn: the events after `settled` */
  turn: TranscriptBuilder
  /** the open turn's documents the index holds: key → text */
  stored: Map<string, string>
  /** the time of the last event read, for a message that has none */
  lastTime: string
}

const running = (transcript: Transcript) => transcript.status === "busy" || transcript.status === "waiting"
const yieldToAppends = () => new Promise<void>((resolve) => setImmediate(resolve))

export class ArchiveIndexer implements Indexing {
  readonly #dirty = new Set<string>()
  readonly #progress = new Map<string, Progress>()
  #timer: ReturnType<typeof setTimeout> | undefined
  #running: Promise<void> | undefined
  /** the list of agents to catch up with, taken on start */
  #listing: Promise<void> | undefined
  #stopped = false
  /** appends were heard of until then (Date.now()) */
  #busyUntil = 0
  /** when the piece of work going on began */
  #workStarted = 0
  /** ends a rest at once (stop) */
  #wake: (() => void) | undefined

  constructor(private readonly options: IndexerOptions) {}

  start(): void {
    this.#listing = this.options
      .agents()
      .then((agents) => {
        for (const agent of agents) this.#mark(agent.id, 0)
      })
      .catch((error) => console.error(`search index: cannot list the agents to catch up: ${(error as Error).message}`))
  }

  changed(agentId: string, change: "changed" | "deleted"): void {
    this.#busyUntil = Date.now() + BUSY_MS
    if (change === "deleted") this.#progress.delete(agentId)
    else this.#mark(agentId, this.options.delayMs ?? DELAY_MS)
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#wake?.()
    clearTimeout(this.#timer)
    await this.#running
  }

  async caughtUp(): Promise<void> {
    await this.#listing
    for (;;) {
      if (this.#running) await this.#running
      else if (this.#dirty.size > 0 && !this.#stopped) this.#run()
      else return
    }
  }

  #mark(id: string, delayMs: number): void {
    this.#dirty.add(id)
    if (this.#stopped || this.#timer) return
    this.#timer = setTimeout(() => this.#run(), delayMs)
  }

  #run(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#running || this.#stopped || this.#dirty.size === 0) return
    this.#running = this.#drain().finally(() => {
      this.#running = undefined
      // Marked while the last one was being indexed, after the loop looked.
      if (this.#dirty.size > 0) this.#run()
    })
  }

  async #drain(): Promise<void> {
    this.#workStarted = performance.now()
    while (this.#dirty.size > 0 && !this.#stopped) {
      const [id] = this.#dirty
      this.#dirty.delete(id!)
      try {
        await this.#index(id!)
      } catch (error) {
        // The store is away or the events do not fold: the agent's next change tries again from its progress.
        this.#progress.delete(id!)
        console.error(`search index: agent ${id}: ${(error as Error).message}`)
      }
      await this.#rest()
    }
  }

  /** Between pieces of work: while appends come in, long enough that indexing takes at most SHARE of the time. */
  async #rest(): Promise<void> {
    const spent = performance.now() - this.#workStarted
    if (Date.now() < this.#busyUntil && !this.#stopped) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve
        setTimeout(resolve, spent * (1 / SHARE - 1))
      })
      this.#wake = undefined
    } else await yieldToAppends()
    this.#workStarted = performance.now()
  }

  async #index(id: string): Promise<void> {
    const { index, streams } = this.options
    const agent = await this.options.agent(id)
    if (!agent || (this.options.indexes && !this.options.indexes(agent))) return void this.#progress.delete(id)
    let progress = this.#progress.get(id)
    if (!progress) {
      const from = await index.progress(id)
      progress = {
        committed: from,
        settled: from,
        read: from,
        documents: new Map(),
        turn: transcriptFor(agent.harness),
        stored: new Map(),
        lastTime: new Date(0).toISOString(),
      }
    }
    for (;;) {
      const events = await streams.read(agent.stream, progress.read, BATCH)
      if (!events || this.#stopped) return void this.#progress.delete(id)
      for (const event of events) {
        // A prompt after a turn that is over begins the next one (one that comes while a turn runs joins it).
        if (event.type === AGENT_EVENT.prompt && progress.read !== progress.settled && !running(progress.turn.transcript)) this.#settle(progress, agent)
        progress.turn.push(event)
        progress.read = event.offset
        if (event.createdAt) progress.lastTime = event.createdAt
      }
      const atEnd = events.length < BATCH
      // Nothing more comes of an archived agent's turn.
      const over = agent.archivedAt !== undefined || !running(progress.turn.transcript)
      const open = atEnd ? documentsOf(progress.turn.transcript.messages, progress.lastTime, !over).filter((d) => progress.stored.get(d.key) !== d.text) : []
      if ((progress.settled !== progress.committed && (atEnd || progress.documents.size >= COMMIT_EVERY)) || open.length > 0) {
        if (!(await index.commit(id, progress.committed, progress.settled, [...progress.documents.values(), ...open]))) return void this.#progress.delete(id)
        progress.committed = progress.settled
        progress.documents.clear()
        for (const d of open) progress.stored.set(d.key, d.text)
      }
      if (atEnd) {
        // An agent between turns is not kept in memory: its next change folds its open turn again from the progress.
        if (over) this.#progress.delete(id)
        else this.#progress.set(id, progress)
        return
      }
      await this.#rest()
    }
  }

  /** The open turn is complete: its documents wait for the next commit, and the next turn opens. */
  #settle(progress: Progress, agent: AgentRecord): void {
    for (const document of documentsOf(progress.turn.transcript.messages, progress.lastTime)) progress.documents.set(document.key, document)
    progress.settled = progress.read
    progress.turn = transcriptFor(agent.harness)
    progress.stored.clear()
  }
}
