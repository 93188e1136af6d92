import type { Database, Statement } from "bun:sqlite"
import { openDatabase } from "../../storage/sqlite.ts"
import { newSigningKeys, type SigningKeys } from "./signing.ts"

// Subscriptions, their streams, how far each has been acknowledged, and the wake in progress
// (its generation, holder and lease) are kept in the store's database, so that every node sharing
// it sees one state, and a restarted daemon finds it again. A wake whose lease runs out ends, and
// pending work wakes anew.

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

export interface Wake {
  id: string
  /** each stream's tail when the wake began: what a webhook's synchronous `done` acknowledges */
  snapshot: Record<string, number>
  /** the pull-wake worker that claimed it */
  holder?: string
  /** when its lease runs out (ms since the epoch); an unclaimed pull wake has none */
  leaseUntil?: number
}

export interface SubscriptionRecord {
  id: string
  config: SubscriptionConfig
  createdAt: string
  generation: number
  links: Map<string, Link>
  wake?: Wake
  /** webhook deliveries that failed in a row */
  failures: number
  /** moves on every save; a save of a record loaded at an older one is refused */
  version: number
}

/** What a save changes among a record's links. */
export interface LinkChanges {
  saved: [stream: string, link: Link][]
  removed: string[]
}

/** The subscriptions' tables: in SQLite beside the stream file, or in the shared PostgreSQL database. */
export interface SubscriptionTable {
  /** whether other nodes change the table too, so that what a node remembers of it goes stale */
  readonly shared: boolean
  /** the keys that sign webhooks and wake tokens (see signing.ts) */
  signingKeys(): Promise<SigningKeys>
  /** every subscription's configuration and streams: what appends are matched against */
  summaries(): Promise<{ id: string; config: SubscriptionConfig; streams: string[] }[]>
  load(id: string): Promise<SubscriptionRecord | undefined>
  /** false when a subscription with that id exists */
  insert(record: SubscriptionRecord): Promise<boolean>
  /** Saves the record and its link changes, unless it was saved since it was loaded: then false. */
  save(record: SubscriptionRecord, links: LinkChanges): Promise<boolean>
  remove(id: string): Promise<boolean>
  /** the subscriptions whose wake's lease ran out by `now` */
  lapsed(now: number): Promise<string[]>
  close(): Promise<void>
}

/** A stored wake without its lease (kept in its own column, to find the lapsed ones). */
export const wakeJson = (wake: Wake | undefined) => (wake ? JSON.stringify({ id: wake.id, snapshot: wake.snapshot, holder: wake.holder }) : null)

export function parseWake(json: string | null, leaseUntil: number | null): Wake | undefined {
  if (json === null) return undefined
  const wake = JSON.parse(json) as Wake
  return leaseUntil === null ? wake : { ...wake, leaseUntil }
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

// Columns added once wakes were kept in the table; older databases get them on open.
const SUBSCRIPTION_COLUMNS: [name: string, definition: string][] = [
  ["wake", "TEXT"],
  ["lease_until", "INTEGER"],
  ["failures", "INTEGER NOT NULL DEFAULT 0"],
  ["version", "INTEGER NOT NULL DEFAULT 0"],
]

interface SubscriptionRow {
  id: string
  config: string
  created_at: string
  generation: number
  wake: string | null
  lease_until: number | null
  failures: number
  version: number
}

interface LinkRow {
  subscription_id: string
  stream: string
  explicit: number
  glob: number
  acked: number
}

export function recordOf(row: SubscriptionRow, links: LinkRow[]): SubscriptionRecord {
  return {
    id: row.id,
    config: JSON.parse(row.config),
    createdAt: row.created_at,
    generation: Number(row.generation),
    links: new Map(links.map((l) => [l.stream, { explicit: l.explicit === 1, glob: l.glob === 1, acked: Number(l.acked) }])),
    wake: parseWake(row.wake, row.lease_until === null ? null : Number(row.lease_until)),
    failures: row.failures,
    version: Number(row.version),
  }
}

/** The SQLite table, in its own file beside streams.db. One daemon uses it, with keys of its own. */
export class SqliteSubscriptionTable implements SubscriptionTable {
  readonly shared = false
  readonly #db: Database
  readonly #q: {
    one: Statement<SubscriptionRow, [string]>
    links: Statement<LinkRow, [string]>
    insert: Statement<unknown, [string, string, string]>
    remove: Statement<unknown, [string]>
    save: Statement<unknown, [string, number, string | null, number | null, number, number]>
    saveLink: Statement<unknown, [string, string, number, number, number]>
    removeLink: Statement<unknown, [string, string]>
    lapsed: Statement<{ id: string }, [number]>
  }

  constructor(file: string) {
    this.#db = openDatabase(file)
    this.#db.exec(SCHEMA)
    const have = new Set(this.#db.query<{ name: string }, []>("SELECT name FROM pragma_table_info('subscriptions')").all().map((c) => c.name))
    for (const [name, definition] of SUBSCRIPTION_COLUMNS)
      if (!have.has(name)) this.#db.exec(`ALTER TABLE subscriptions ADD COLUMN ${name} ${definition}`)
    this.#q = {
      one: this.#db.query("SELECT * FROM subscriptions WHERE id = ?"),
      links: this.#db.query("SELECT * FROM subscription_streams WHERE subscription_id = ?"),
      insert: this.#db.query("INSERT INTO subscriptions (id, config, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"),
      remove: this.#db.query("DELETE FROM subscriptions WHERE id = ?"),
      save: this.#db.query(
        `UPDATE subscriptions SET generation = ?2, wake = ?3, lease_until = ?4, failures = ?5, version = version + 1
         WHERE id = ?1 AND version = ?6`,
      ),
      saveLink: this.#db.query(
        `INSERT INTO subscription_streams (subscription_id, stream, explicit, glob, acked) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET explicit = excluded.explicit, glob = excluded.glob, acked = excluded.acked`,
      ),
      removeLink: this.#db.query("DELETE FROM subscription_streams WHERE subscription_id = ? AND stream = ?"),
      lapsed: this.#db.query("SELECT id FROM subscriptions WHERE lease_until <= ?"),
    }
  }

  async signingKeys(): Promise<SigningKeys> {
    return newSigningKeys()
  }

  async summaries(): Promise<{ id: string; config: SubscriptionConfig; streams: string[] }[]> {
    const streams = new Map<string, string[]>()
    for (const row of this.#db.query<LinkRow, []>("SELECT subscription_id, stream FROM subscription_streams").all())
      streams.set(row.subscription_id, [...(streams.get(row.subscription_id) ?? []), row.stream])
    return this.#db
      .query<SubscriptionRow, []>("SELECT id, config FROM subscriptions")
      .all()
      .map((row) => ({ id: row.id, config: JSON.parse(row.config), streams: streams.get(row.id) ?? [] }))
  }

  async load(id: string): Promise<SubscriptionRecord | undefined> {
    const row = this.#q.one.get(id)
    return row ? recordOf(row, this.#q.links.all(id)) : undefined
  }

  async insert(record: SubscriptionRecord): Promise<boolean> {
    return this.#db.transaction(() => {
      if (this.#q.insert.run(record.id, JSON.stringify(record.config), record.createdAt).changes === 0) return false
      this.#saveLinks(record.id, { saved: [...record.links], removed: [] })
      return true
    })()
  }

  async save(record: SubscriptionRecord, links: LinkChanges): Promise<boolean> {
    const { id, wake } = record
    return this.#db.transaction(() => {
      if (this.#q.save.run(id, record.generation, wakeJson(wake), wake?.leaseUntil ?? null, record.failures, record.version).changes === 0) return false
      this.#saveLinks(id, links)
      return true
    })()
  }

  async remove(id: string): Promise<boolean> {
    return this.#q.remove.run(id).changes > 0
  }

  async lapsed(now: number): Promise<string[]> {
    return this.#q.lapsed.all(now).map((row) => row.id)
  }

  async close(): Promise<void> {
    this.#db.close()
  }

  #saveLinks(id: string, links: LinkChanges): void {
    for (const [stream, link] of links.saved) this.#q.saveLink.run(id, stream, link.explicit ? 1 : 0, link.glob ? 1 : 0, link.acked)
    for (const stream of links.removed) this.#q.removeLink.run(id, stream)
  }
}
