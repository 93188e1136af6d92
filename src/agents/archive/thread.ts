// The indexer on a thread of its own (a Worker running worker.ts), so that reading, folding and
// storing never take the daemon's thread from the appends it acknowledges (bun:sqlite and the
// JSON parsing are synchronous; a SQLite commit waits for the disk). The worker opens its own
// connections to the store (where: IndexLocation); this side tells it which agents' streams
// changed, as the daemon's stream store hears of them, and relays what it logs.
import type { Indexing } from "./indexer.ts"

/** Where the worker finds the store: the SQLite files, or the PostgreSQL database and this node. */
export type IndexLocation =
  | { kind: "sqlite"; streams: string; agents: string }
  | { kind: "postgres"; url: string; node: string; leaseTtlMs: number }

export type ToWorker =
  | { type: "start"; location: IndexLocation }
  | { type: "changed"; agentId: string; change: "changed" | "deleted" }
  | { type: "caught-up"; ask: number }
  | { type: "stop" }

export type FromWorker = { type: "caught-up"; ask: number } | { type: "stopped" } | { type: "log"; error: boolean; text: string }

// A worker that died is started again after this long (it catches up from the stored progress).
const RESTART_MS = 5_000

/**
 * Where the worker's code is: beside this file when running from source; in the compiled binary,
 * where the build embeds its second entry point (scripts/build.ts), relative to src/.
 */
const workerUrl = () => (import.meta.url.includes("$bunfs") ? "./agents/archive/worker.ts" : new URL("./worker.ts", import.meta.url).href)

export class IndexerThread implements Indexing {
  #worker: Worker | undefined
  #asks = new Map<number, () => void>()
  #nextAsk = 0
  #stopped: (() => void) | undefined
  #stopping = false
  #restart: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly location: IndexLocation) {}

  start(): void {
    const worker = new Worker(workerUrl())
    this.#worker = worker
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const message = event.data
      if (message.type === "log") (message.error ? console.error : console.log)(message.text)
      else if (message.type === "caught-up") this.#answer(message.ask)
      else this.#stopped?.()
    }
    worker.onerror = (event) => {
      console.error(`search index: its thread failed: ${event.message}`)
      this.#lost(worker)
    }
    worker.addEventListener("close", () => this.#lost(worker))
    this.#send({ type: "start", location: this.location })
  }

  changed(agentId: string, change: "changed" | "deleted"): void {
    this.#send({ type: "changed", agentId, change })
  }

  caughtUp(): Promise<void> {
    const ask = this.#nextAsk++
    const { promise, resolve } = Promise.withResolvers<void>()
    this.#asks.set(ask, resolve)
    this.#send({ type: "caught-up", ask })
    return promise
  }

  async stop(): Promise<void> {
    this.#stopping = true
    clearTimeout(this.#restart)
    const worker = this.#worker
    if (!worker) return
    const { promise, resolve } = Promise.withResolvers<void>()
    this.#stopped = resolve
    this.#send({ type: "stop" })
    // A worker that does not answer within the grace is ended all the same.
    await Promise.race([promise, Bun.sleep(5_000)])
    worker.terminate()
    this.#worker = undefined
    for (const ask of [...this.#asks.keys()]) this.#answer(ask)
  }

  #send(message: ToWorker): void {
    this.#worker?.postMessage(message)
  }

  #answer(ask: number): void {
    this.#asks.get(ask)?.()
    this.#asks.delete(ask)
  }

  /** The worker ended without being asked to: another one starts in a while, and catches up. */
  #lost(worker: Worker): void {
    if (this.#stopping || this.#worker !== worker) return
    this.#worker = undefined
    worker.terminate()
    for (const ask of [...this.#asks.keys()]) this.#answer(ask)
    this.#restart = setTimeout(() => this.start(), RESTART_MS)
  }
}
