import type { SQL } from "bun"
import { migratePostgres, type Postgres } from "../../storage/postgres.ts"
import { ChangeFeed } from "../changes.ts"
import { isExpired } from "../expiry.ts"
import { readMessages } from "../fork-reads.ts"
import type { AppendFence, AppendOutcome, AppendRequest, BuildMessage, CreateOptions, StoredMessage, StreamMeta, StreamStore } from "../store.ts"
import { commitAppends, type AppendOp } from "./appends.ts"
import { Batches, type Settled } from "./batches.ts"
import { type Change, Notices } from "./notices.ts"
import { addMessages, metaOf, noWrites, removeStream, write } from "./rows.ts"
import { STREAM_MIGRATIONS } from "./schema.ts"

/**
 * Append-only streams in a PostgreSQL database that several nodes share. An append is
 * acknowledged once its transaction has committed; appends that arrive together share one.
 * Live readers on this node hear about its own commits at once and about other nodes' through
 * LISTEN/NOTIFY; when the listener has been disconnected they all re-read from where they are.
 */
export class PostgresStreamStore extends ChangeFeed implements StreamStore {
  readonly #pg: Postgres
  readonly #notices: Notices
  readonly #appends: Batches<AppendOp, unknown>

  private constructor(pg: Postgres) {
    super()
    this.#pg = pg
    this.#notices = new Notices(
      pg.sql,
      (id, name, change) => {
        this.changes.notify(id, name, change)
        if (change === "deleted") this.changes.forget(id)
      },
      () => void this.#caughtUp(),
    )
    this.#appends = new Batches((ops) => this.#commit(ops))
  }

  /** Migrates the schema (nodes starting together take turns) and starts listening to the other nodes. */
  static async open(pg: Postgres): Promise<PostgresStreamStore> {
    await migratePostgres(pg, "streams", STREAM_MIGRATIONS)
    const store = new PostgresStreamStore(pg)
    await store.#notices.start()
    return store
  }

  find(name: string): Promise<StreamMeta | undefined> {
    return this.#pg.guard(async () => {
      const [raw] = await this.#pg.sql`SELECT * FROM streams WHERE name = ${name}`
      if (!raw) return undefined
      const meta = metaOf(raw)
      if (meta.deleted || !isExpired(meta, Date.now())) return meta
      return this.#expire(name)
    })
  }

  async get(name: string): Promise<StreamMeta | undefined> {
    const meta = await this.find(name)
    return meta?.deleted ? undefined : meta
  }

  list(): Promise<StreamMeta[]> {
    return this.#pg.guard(async () => {
      const now = Date.now()
      // COLLATE "C": the byte order SQLite lists in, whatever the database's locale.
      const rows = await this.#pg.sql`SELECT * FROM streams WHERE deleted = 0 ORDER BY name COLLATE "C"`
      return rows.map(metaOf).filter((meta: StreamMeta) => !isExpired(meta, now))
    })
  }

  async create(name: string, options: CreateOptions): Promise<{ created: boolean; meta: StreamMeta }> {
    for (;;) {
      const existing = await this.find(name)
      if (existing) return { created: false, meta: existing }
      const meta = await this.#pg.guard(() => this.#pg.sql.begin((tx) => this.#insert(tx, name, options)))
      // Undefined: another node created it just now; it is found on the next turn.
      if (!meta) continue
      this.#announce(meta, "changed")
      return { created: true, meta }
    }
  }

  async delete(name: string): Promise<boolean> {
    const removed = await this.#pg.guard(() =>
      this.#pg.sql.begin(async (tx) => {
        const [raw] = await tx`SELECT * FROM streams WHERE name = ${name} FOR UPDATE`
        if (!raw || raw.deleted === 1) return undefined
        const gone: StreamMeta[] = []
        await removeStream(tx, metaOf(raw), gone)
        return gone
      }),
    )
    removed?.forEach((meta) => this.#announce(meta, "deleted"))
    return removed !== undefined
  }

  append(name: string, request: AppendRequest): Promise<AppendOutcome> {
    return this.#appends.submit({ kind: "append", name, request }) as Promise<AppendOutcome>
  }

  appendWith<T>(name: string, count: number, build: BuildMessage<T>, options: { fence?: AppendFence } = {}): Promise<T[] | undefined> {
    return this.#appends.submit({ kind: "build", name, count, build, fence: options.fence }) as Promise<T[] | undefined>
  }

  read(meta: StreamMeta, afterSeq: number, limit = 1000, maxBytes = Infinity): Promise<StoredMessage[]> {
    const { sql } = this.#pg
    const source = {
      byId: async (id: number) => metaOf((await sql`SELECT * FROM streams WHERE id = ${id}`)[0]),
      range: async (streamId: number, after: number, upTo: number, rows: number) =>
        (
          await sql`SELECT seq, data FROM messages WHERE stream_id = ${streamId} AND seq > ${after} AND seq <= ${upTo} ORDER BY seq LIMIT ${rows}`
        ).map((row: { seq: string; data: Uint8Array<ArrayBuffer> }) => ({ seq: Number(row.seq), data: row.data })),
    }
    return this.#pg.guard(() => readMessages(source, meta, afterSeq, limit, maxBytes))
  }

  tails(names: string[]): Promise<Map<string, number>> {
    return this.#pg.guard(async () => {
      const now = Date.now()
      const rows = await this.#pg.sql`SELECT * FROM streams WHERE name = ANY(${[...new Set(names)]}::text[]) AND deleted = 0`
      return new Map(rows.map(metaOf).filter((meta: StreamMeta) => !isExpired(meta, now)).map((meta: StreamMeta) => [meta.name, meta.tailSeq]))
    })
  }

  async touch(meta: StreamMeta): Promise<void> {
    if (meta.ttlSeconds === undefined) return
    await this.#pg.guard(() => this.#pg.sql`UPDATE streams SET accessed_at = ${Date.now()} WHERE id = ${meta.id}`)
  }

  async close(): Promise<void> {
    await this.#notices.stop()
  }

  async #commit(ops: AppendOp[]): Promise<Settled<unknown>[]> {
    const committed = await this.#pg.guard(() => this.#pg.sql.begin((tx) => commitAppends(tx, ops, Date.now())))
    for (const meta of committed.removed) this.#announce(meta, "deleted")
    for (const meta of committed.written) this.#announce(meta, "changed")
    return committed.settled
  }

  /** The new stream's row, its fork's hold on its source and its first messages; undefined when the name was taken meanwhile. */
  async #insert(tx: SQL, name: string, options: CreateOptions): Promise<StreamMeta | undefined> {
    const { fork } = options
    const now = Date.now()
    const baseSeq = fork?.baseSeq ?? 0
    const [raw] = await tx`
      INSERT INTO streams (name, content_type, created_at, accessed_at, ttl_seconds, expires_at, fork_of, fork_offset, fork_sub_offset, base_seq, tail_seq)
      VALUES (${name}, ${options.contentType}, ${now}, ${now}, ${options.ttlSeconds ?? null}, ${options.expiresAt ?? null},
              ${fork?.sourceId ?? null}, ${fork?.offset ?? null}, ${fork?.subOffset ?? 0}, ${baseSeq}, ${baseSeq})
      ON CONFLICT (name) DO NOTHING RETURNING *`
    if (!raw) return undefined
    const meta = metaOf(raw)
    if (fork) {
      const [source] = await tx`UPDATE streams SET forks = forks + 1 WHERE id = ${fork.sourceId} AND deleted = 0 RETURNING id`
      if (!source) throw new Error(`the source of fork ${name} was deleted while the fork was made`)
    }
    const writes = noWrites()
    meta.closed = options.closed === true
    addMessages(writes, meta, [...(fork?.prefix ? [fork.prefix] : []), ...(options.initial ?? [])])
    if (writes.messages.seqs.length > 0 || meta.closed) await write(tx, writes, now)
    return meta
  }

  /** Removes an expired stream, unless another node renewed or removed it first. */
  async #expire(name: string): Promise<StreamMeta | undefined> {
    const result = await this.#pg.sql.begin(async (tx) => {
      const [raw] = await tx`SELECT * FROM streams WHERE name = ${name} FOR UPDATE`
      const meta = raw && metaOf(raw)
      if (!meta || meta.deleted || !isExpired(meta, Date.now())) return { meta, removed: [] }
      const removed: StreamMeta[] = []
      await removeStream(tx, meta, removed)
      return { meta: meta.forks > 0 ? { ...meta, deleted: true } : undefined, removed }
    })
    result.removed.forEach((meta) => this.#announce(meta, "deleted"))
    return result.meta
  }

  /** After a commit: wake this node's readers and watchers, and tell the other nodes. */
  #announce(meta: StreamMeta, change: Change): void {
    this.changes.notify(meta.id, meta.name, change)
    if (change === "deleted" && meta.forks === 0) this.changes.forget(meta.id)
    this.#notices.publish(meta.id, meta.name, change)
  }

  /**
   * The listener was disconnected, so other nodes' notices may have been lost: every live reader
   * re-reads from where it is, and watchers hear of every stream as if it had changed.
   */
  async #caughtUp(): Promise<void> {
    this.changes.wakeAll()
    try {
      for (const meta of await this.list()) this.changes.announce(meta.name)
    } catch {
      // Unreachable again: the next reconnect catches up.
    }
  }
}
