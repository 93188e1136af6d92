import type { Database, Statement } from "bun:sqlite"
import { openDatabase } from "../../storage/sqlite.ts"

// Subscriptions, their streams and how far each has been acknowledged survive restarts; the
// wakes in progress (leases, holders, tokens) do not — after a restart, pending work wakes anew.

export type SubscriptionType = "webhook" | "pull-wake"

export interface SubscriptionConfig {
  type: SubscriptionType
  /** streams whose names match it join the subscription when data is appended to them */
  pattern?: string
  /** streams named explicitly at creation, sorted */
  streams: string[]
  webhookUrl?: string
  /** pull-wake: the JSON stream that hears about each wake */
  wakeStream?: string
  leaseTtlMs: number
  description?: string
}

export interface Link {
  explicit: boolean
  glob: boolean
  /** the acknowledged seq; -1 when nothing has been, not even an empty stream's start */
  acked: number
}

export interface SubscriptionRecord {
  id: string
  config: SubscriptionConfig
  createdAt: string
  generation: number
  links: Map<string, Link>
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS subscriptions (
  id         TEXT PRIMARY KEY,
  config     TEXT NOT NULL,
  created_at TEXT NOT NULL,
  generation INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS subscription_streams (
  subscription_id TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
  stream          TEXT NOT NULL,
  explicit        INTEGER NOT NULL,
  glob            INTEGER NOT NULL,
  acked           INTEGER NOT NULL,
  PRIMARY KEY (subscription_id, stream)
) WITHOUT ROWID;
`

interface LinkRow {
  subscription_id: string
  stream: string
  explicit: number
  glob: number
  acked: number
}

export class SubscriptionTable {
  readonly #db: Database
  readonly #q: {
    insert: Statement<unknown, [string, string, string]>
    remove: Statement<unknown, [string]>
    generation: Statement<unknown, [string, number]>
    saveLink: Statement<unknown, [string, string, number, number, number]>
    removeLink: Statement<unknown, [string, string]>
  }

  constructor(file: string) {
    this.#db = openDatabase(file)
    this.#db.exec(SCHEMA)
    this.#q = {
      insert: this.#db.query("INSERT INTO subscriptions (id, config, created_at) VALUES (?, ?, ?)"),
      remove: this.#db.query("DELETE FROM subscriptions WHERE id = ?"),
      generation: this.#db.query("UPDATE subscriptions SET generation = ?2 WHERE id = ?1"),
      saveLink: this.#db.query(
        `INSERT INTO subscription_streams (subscription_id, stream, explicit, glob, acked) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET explicit = excluded.explicit, glob = excluded.glob, acked = excluded.acked`,
      ),
      removeLink: this.#db.query("DELETE FROM subscription_streams WHERE subscription_id = ? AND stream = ?"),
    }
  }

  load(): SubscriptionRecord[] {
    const records = new Map<string, SubscriptionRecord>()
    for (const row of this.#db.query<{ id: string; config: string; created_at: string; generation: number }, []>("SELECT * FROM subscriptions").all())
      records.set(row.id, { id: row.id, config: JSON.parse(row.config), createdAt: row.created_at, generation: row.generation, links: new Map() })
    for (const row of this.#db.query<LinkRow, []>("SELECT * FROM subscription_streams").all())
      records.get(row.subscription_id)?.links.set(row.stream, { explicit: row.explicit === 1, glob: row.glob === 1, acked: row.acked })
    return [...records.values()]
  }

  insert(record: SubscriptionRecord): void {
    this.#db.transaction(() => {
      this.#q.insert.run(record.id, JSON.stringify(record.config), record.createdAt)
      for (const [stream, link] of record.links) this.saveLink(record.id, stream, link)
    })()
  }

  remove(id: string): void {
    this.#q.remove.run(id)
  }

  setGeneration(id: string, generation: number): void {
    this.#q.generation.run(id, generation)
  }

  saveLink(id: string, stream: string, link: Link): void {
    this.#q.saveLink.run(id, stream, link.explicit ? 1 : 0, link.glob ? 1 : 0, link.acked)
  }

  removeLink(id: string, stream: string): void {
    this.#q.removeLink.run(id, stream)
  }

  close(): void {
    this.#db.close()
  }
}
