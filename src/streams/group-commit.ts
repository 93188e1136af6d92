import type { Database } from "bun:sqlite"
import { classifyWriteError } from "./storage-full.ts"

/**
 * Group commit: writes that arrive in the same turn of the event loop share one transaction, so
 * one fsync (synchronous=FULL) makes the whole batch durable. Each write runs in its own
 * savepoint, so one that throws fails alone; every promise settles only after the commit. A full
 * disk fails the whole batch: SQLite may roll the transaction back under the failing write, and
 * then nothing of the batch is committed (running the rest outside the transaction would commit
 * writes whose callers are told they failed).
 */
export class GroupCommit {
  readonly #db: Database
  readonly #afterCommit: (written: Map<number, string>) => void
  #pending: { run: (written: Map<number, string>) => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }[] = []

  /** `afterCommit` hears which streams the batch wrote to (the id → name entries the writes added). */
  constructor(db: Database, afterCommit: (written: Map<number, string>) => void) {
    this.#db = db
    this.#afterCommit = afterCommit
  }

  submit<T>(run: (written: Map<number, string>) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // setImmediate runs after the I/O callbacks of this turn: every request parsed in it joins.
      if (this.#pending.length === 0) setImmediate(() => this.#flush())
      this.#pending.push({ run, resolve: resolve as (value: unknown) => void, reject })
    })
  }

  #flush(): void {
    const batch = this.#pending
    this.#pending = []
    const written = new Map<number, string>()
    const outcomes: { ok: boolean; value: unknown }[] = []
    try {
      this.#db.transaction(() => {
        for (const op of batch) {
          try {
            outcomes.push({ ok: true, value: this.#db.transaction(() => op.run(written))() })
          } catch (error) {
            if (!this.#db.inTransaction) throw error
            outcomes.push({ ok: false, value: error })
          }
        }
      })()
    } catch (error) {
      const failure = classifyWriteError(error)
      for (const op of batch) op.reject(failure)
      return
    }
    batch.forEach((op, i) => (outcomes[i]!.ok ? op.resolve(outcomes[i]!.value) : op.reject(classifyWriteError(outcomes[i]!.value))))
    this.#afterCommit(written)
  }
}
