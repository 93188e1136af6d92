import { randomBytes } from "node:crypto"
import type { SQL } from "bun"

// How the nodes sharing a database tell each other which streams changed: LISTEN/NOTIFY on one
// channel. A NOTIFY inside every append transaction would cost each single append dearly, so
// notices are sent after the commit, coalesced: while one is on its way, the streams changed
// meanwhile gather for the next. Notices are only wake-up calls (readers re-read the database);
// the ones lost while a listener was disconnected are made up for by re-reading everything.

const CHANNEL = "iterate_streams"
// NOTIFY payloads must stay under 8000 bytes.
const MAX_PAYLOAD = 7000
// How long to wait before sending notices again when the database refused them.
const RETRY_MS = 250

export type Change = "changed" | "deleted"
type Heard = (streamId: number, name: string, change: Change) => void

export class Notices {
  /** this node's mark on its notices, so it skips its own */
  readonly #node = randomBytes(6).toString("hex")
  readonly #sql: SQL
  readonly #heard: Heard
  readonly #reconnected: () => void
  #pending = new Map<number, { name: string; change: Change }>()
  #sending: Promise<void> | undefined
  #listening = false
  #unlisten?: () => Promise<void>
  #stopped = false

  /** `heard` gets other nodes' changes; `reconnected` runs when the listener is back after a drop. */
  constructor(sql: SQL, heard: Heard, reconnected: () => void) {
    this.#sql = sql
    this.#heard = heard
    this.#reconnected = reconnected
  }

  async start(): Promise<void> {
    const subscription = await this.#sql.listen(
      CHANNEL,
      (payload) => this.#receive(payload),
      () => {
        if (this.#listening) this.#reconnected()
        this.#listening = true
      },
    )
    this.#unlisten = () => subscription.unlisten()
  }

  /** Tells the other nodes that this node committed a change to the stream. */
  publish(streamId: number, name: string, change: Change): void {
    const known = this.#pending.get(streamId)
    this.#pending.set(streamId, { name, change: known?.change === "deleted" ? "deleted" : change })
    this.#sending ??= this.#send()
  }

  /** Sends what is still pending (for a second at most), then stops listening. */
  async stop(): Promise<void> {
    if (this.#sending) await Promise.race([this.#sending, Bun.sleep(1000)])
    this.#stopped = true
    await this.#unlisten?.().catch(() => {})
  }

  async #send(): Promise<void> {
    try {
      while (this.#pending.size > 0 && !this.#stopped) {
        const batch = this.#pending
        this.#pending = new Map()
        try {
          for (const payload of this.#payloads(batch)) await this.#sql`SELECT pg_notify(${CHANNEL}, ${payload})`
        } catch {
          // The database is away: keep the notices (newer ones for the same stream win) and try again.
          for (const [id, notice] of batch) if (!this.#pending.has(id)) this.#pending.set(id, notice)
          await Bun.sleep(RETRY_MS)
        }
      }
    } finally {
      // In the same step as the loop's last check: a notice published after it starts a new round.
      this.#sending = undefined
    }
  }

  /** `<node> c<id>:<name> d<id>:<name> …`, split so that no payload is too long (names have no spaces). */
  #payloads(batch: Map<number, { name: string; change: Change }>): string[] {
    const payloads: string[] = []
    let current = this.#node
    for (const [id, { name, change }] of batch) {
      const entry = `${change === "deleted" ? "d" : "c"}${id}:${name}`
      if (current.length + entry.length + 1 > MAX_PAYLOAD) {
        payloads.push(current)
        current = this.#node
      }
      current += ` ${entry}`
    }
    payloads.push(current)
    return payloads
  }

  #receive(payload: string): void {
    const [node, ...entries] = payload.split(" ")
    if (node === this.#node) return
    for (const entry of entries) {
      const colon = entry.indexOf(":")
      const id = Number(entry.slice(1, colon))
      if (colon < 2 || !Number.isSafeInteger(id)) continue
      this.#heard(id, entry.slice(colon + 1), entry[0] === "d" ? "deleted" : "changed")
    }
  }
}
