// Group commit for PostgreSQL: appends that arrive while a transaction is on its way wait for the
// next one and share it, so a busy node commits many appends per round trip and a quiet one
// commits each at once. Every promise settles after its batch's transaction has.

export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown }

export class Batches<Op, R> {
  readonly #commit: (ops: Op[]) => Promise<Settled<R>[]>
  #queue: { op: Op; resolve: (value: R) => void; reject: (error: unknown) => void }[] = []
  #running = false

  /** `commit` runs one batch in one transaction and settles each op; if it throws, every op fails with that. */
  constructor(commit: (ops: Op[]) => Promise<Settled<R>[]>) {
    this.#commit = commit
  }

  submit(op: Op): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ op, resolve, reject })
      // setImmediate runs after the I/O callbacks of this turn: every request parsed in it joins.
      if (!this.#running) {
        this.#running = true
        setImmediate(() => void this.#drain())
      }
    })
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue
      this.#queue = []
      try {
        const settled = await this.#commit(batch.map((b) => b.op))
        batch.forEach((b, i) => {
          const outcome = settled[i]!
          if (outcome.ok) b.resolve(outcome.value)
          else b.reject(outcome.error)
        })
      } catch (error) {
        for (const b of batch) b.reject(error)
      }
    }
    this.#running = false
  }
}
