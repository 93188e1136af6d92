import type { Database, Statement } from "bun:sqlite"
import { openDatabase } from "../storage/sqlite.ts"
import { refuseAppend } from "./append-check.ts"
import { ChangeFeed, type Watcher } from "./changes.ts"
import { isExpired } from "./expiry.ts"
import { readMessages } from "./fork-reads.ts"
import { GroupCommit } from "./group-commit.ts"
import type { ProducerCheck, ProducerState, ProducerTuple } from "./producers.ts"
import { migrate } from "./schema.ts"

export type { Watcher } from "./changes.ts"

export interface StreamMeta {
  id: number
  name: string
  contentType: string
  createdAt: number
  closed: boolean
  /** seq of the newest message; 0 when the stream is empty */
  tailSeq: number
  /** every seq from 1 to tailSeq holds a message (a fork's first ones live in its source) */
  messageCount: number
  ttlSeconds?: number
  expiresAt?: string
  accessedAt: number
  writerSeq?: string
  closedBy?: ProducerTuple
  forkOf?: number
  forkOffset?: number
  forkSubOffset: number
  /** messages up to this seq are read from the source stream */
  baseSeq: number
  forks: number
  /** deleted by a client but kept while forks read from it: 410 Gone to everyone else */
  deleted: boolean
  /** bytes of the messages stored for this stream (a fork's inherited ones count at its source) */
  bytes: number
}

export interface StoredMessage {
  seq: number
  data: Uint8Array<ArrayBuffer>
}

/** Where a new fork branches off; forks.ts resolves it from the request headers. */
export interface ForkPlan {
  sourceId: number
  /** Stream-Fork-Offset as requested, kept to recognise an identical re-create */
  offset?: number
  subOffset: number
  baseSeq: number
  /** the part of the source's next message the fork keeps, stored as the fork's first message */
  prefix?: Uint8Array
}

export interface CreateOptions {
  contentType: string
  initial?: Uint8Array[]
  ttlSeconds?: number
  expiresAt?: string
  closed?: boolean
  fork?: ForkPlan
}

export interface AppendRequest {
  /** the request's Content-Type; unchecked for a close without data */
  contentType?: string
  messages: Uint8Array[]
  close?: boolean
  producer?: ProducerTuple
  /** Stream-Seq: must sort after the previous one */
  writerSeq?: string
}

export type AppendOutcome =
  | { status: "appended"; tail: number; closed: boolean }
  | { status: "duplicate"; tail: number; closed: boolean; lastSeq: number }
  | { status: "not_found" }
  | { status: "gone" }
  | { status: "closed"; tail: number }
  | { status: "content_type_mismatch"; contentType: string }
  | { status: "writer_seq_conflict"; last: string }
  | Exclude<ProducerCheck, { status: "accept" | "duplicate" }>

export class StreamClosedError extends Error {
  constructor(name: string) {
    super(`stream ${name} is closed`)
  }
}

/**
 * An epoch fence on an append: it commits only if the named lease still has this epoch, checked in
 * the append's own transaction, so a writer whose lease was taken over (a node presumed dead) can
 * append nothing after the takeover committed. Leases are rows of the store's `leases` table.
 */
export interface AppendFence {
  lease: string
  epoch: number
}

/** How appendWith makes each message from the seq it will be stored under. */
export type BuildMessage<T> = (seq: number, index: number) => { data: Uint8Array; value: T }

export class FencedError extends Error {
  constructor(
    readonly fence: AppendFence,
    /** the lease's epoch now; undefined when there is no such lease */
    readonly epoch: number | undefined,
  ) {
    super(`lease ${fence.lease} is at epoch ${epoch ?? "none"}, not ${fence.epoch}: this writer was fenced off`)
  }
}

/**
 * Where streams live: one SQLite file (SqliteStreamStore, the default) or a PostgreSQL database
 * that several nodes share (PostgresStreamStore). Whatever touches the database is async; an
 * append settles only once its transaction has committed. Listeners and watchers hear about a
 * change after it commits: this node's own at once, other nodes' through the database.
 */
export interface StreamStore {
  /** The stream, including one deleted but kept for its forks; expired streams are removed here. */
  find(name: string): Promise<StreamMeta | undefined>
  /** The stream, if it exists and is not deleted. */
  get(name: string): Promise<StreamMeta | undefined>
  list(): Promise<StreamMeta[]>
  /** Creates the stream, or returns the existing one untouched (`created: false`). */
  create(name: string, options: CreateOptions): Promise<{ created: boolean; meta: StreamMeta }>
  /** Deletes a live stream; one that forks still read from is only marked deleted. */
  delete(name: string): Promise<boolean>
  /** Appends (and/or closes); settles once the outcome is durable. */
  append(name: string, request: AppendRequest): Promise<AppendOutcome>
  /**
   * Appends messages built from their own seq (the event envelope carries its offset): the seq
   * each one was built with is the seq it is stored under. Undefined when the stream does not
   * exist; rejects with StreamClosedError when it is closed, FencedError when `fence` fails.
   */
  appendWith<T>(name: string, count: number, build: BuildMessage<T>, options?: { fence?: AppendFence }): Promise<T[] | undefined>
  /**
   * Messages after `afterSeq` in order, across the fork's sources: at most `limit` of them, and no
   * more once `maxBytes` is reached (always at least one when there is one).
   */
  read(meta: StreamMeta, afterSeq: number, limit?: number, maxBytes?: number): Promise<StoredMessage[]>
  /** The tail seq of each of these streams that exists (and is not deleted). */
  tails(names: string[]): Promise<Map<string, number>>
  /** Renews a sliding TTL (reads do; HEAD does not). */
  touch(meta: StreamMeta): Promise<void>
  /** Calls `listener` after every committed append to, close or deletion of the stream. */
  subscribe(streamId: number, listener: () => void): () => void
  /** A count of the stream's changes heard here: taken before a read, it tells a wait whether one came in between. */
  version(streamId: number): number
  watch(watcher: Watcher): () => void
  close(): Promise<void>
}

export interface StreamRow {
  id: number
  name: string
  content_type: string
  created_at: number
  closed: number
  tail_seq: number
  ttl_seconds: number | null
  expires_at: string | null
  accessed_at: number
  writer_seq: string | null
  closed_by: string | null
  fork_of: number | null
  fork_offset: number | null
  fork_sub_offset: number
  base_seq: number
  forks: number
  deleted: number
  bytes: number
}

const opt = <T>(value: T | null): T | undefined => value ?? undefined

export function toMeta(row: StreamRow): StreamMeta {
  const closedBy = row.closed_by ? (JSON.parse(row.closed_by) as [string, number, number]) : undefined
  return {
    id: row.id,
    name: row.name,
    contentType: row.content_type,
    createdAt: row.created_at,
    closed: row.closed === 1,
    tailSeq: row.tail_seq,
    messageCount: row.tail_seq,
    ttlSeconds: opt(row.ttl_seconds),
    expiresAt: opt(row.expires_at),
    accessedAt: row.accessed_at,
    writerSeq: opt(row.writer_seq),
    closedBy: closedBy && { id: closedBy[0], epoch: closedBy[1], seq: closedBy[2] },
    forkOf: opt(row.fork_of),
    forkOffset: opt(row.fork_offset),
    forkSubOffset: row.fork_sub_offset,
    baseSeq: row.base_seq,
    forks: row.forks,
    deleted: row.deleted === 1,
    bytes: row.bytes,
  }
}

/**
 * Append-only streams in one SQLite file (WAL, synchronous=FULL). Nothing is acknowledged before
 * its transaction has committed, so it survives a crash or `kill -9` of the daemon; concurrent
 * appends are group-committed. Listeners hear about appends after the commit, never before.
 */
export class SqliteStreamStore extends ChangeFeed implements StreamStore {
  readonly #db: Database
  readonly #commits: GroupCommit
  readonly #q: {
    byName: Statement<StreamRow, [string]>
    byId: Statement<StreamRow, [number]>
    list: Statement<StreamRow, []>
    insertStream: Statement<StreamRow, [string, string, number, number | null, string | null, number | null, number | null, number, number]>
    deleteStream: Statement<unknown, [number]>
    softDelete: Statement<unknown, [number]>
    addForks: Statement<unknown, [number, number]>
    insertMessage: Statement<unknown, [number, number, Uint8Array]>
    advance: Statement<unknown, [number, number, number, string | null, number, string | null, number]>
    touch: Statement<unknown, [number, number]>
    readRange: Statement<StoredMessage, [number, number, number, number]>
    producer: Statement<ProducerState, [number, string]>
    saveProducer: Statement<unknown, [number, string, number, number]>
    lease: Statement<{ epoch: number }, [string]>
  }

  constructor(file: string) {
    super()
    this.#db = openDatabase(file)
    migrate(this.#db)
    this.#commits = new GroupCommit(this.#db, (written) => written.forEach((name, id) => this.changes.notify(id, name, "changed")))
    this.#q = {
      byName: this.#db.query("SELECT * FROM streams WHERE name = ?"),
      byId: this.#db.query("SELECT * FROM streams WHERE id = ?"),
      list: this.#db.query("SELECT * FROM streams WHERE deleted = 0 ORDER BY name"),
      insertStream: this.#db.query(
        `INSERT INTO streams (name, content_type, created_at, accessed_at, ttl_seconds, expires_at, fork_of, fork_offset, fork_sub_offset, base_seq, tail_seq)
         VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) RETURNING *`,
      ),
      deleteStream: this.#db.query("DELETE FROM streams WHERE id = ?"),
      softDelete: this.#db.query("UPDATE streams SET deleted = 1 WHERE id = ?"),
      addForks: this.#db.query("UPDATE streams SET forks = forks + ?2 WHERE id = ?1"),
      insertMessage: this.#db.query("INSERT INTO messages (stream_id, seq, data) VALUES (?, ?, ?)"),
      advance: this.#db.query(
        `UPDATE streams SET tail_seq = ?2, accessed_at = ?3, writer_seq = coalesce(?4, writer_seq),
         closed = max(closed, ?5), closed_by = coalesce(?6, closed_by), bytes = bytes + ?7 WHERE id = ?1`,
      ),
      touch: this.#db.query("UPDATE streams SET accessed_at = ?2 WHERE id = ?1"),
      readRange: this.#db.query("SELECT seq, data FROM messages WHERE stream_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?"),
      producer: this.#db.query("SELECT epoch, last_seq AS lastSeq FROM producers WHERE stream_id = ? AND producer_id = ?"),
      saveProducer: this.#db.query(
        `INSERT INTO producers (stream_id, producer_id, epoch, last_seq) VALUES (?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET epoch = excluded.epoch, last_seq = excluded.last_seq`,
      ),
      lease: this.#db.query("SELECT epoch FROM leases WHERE name = ?"),
    }
  }

  async find(name: string): Promise<StreamMeta | undefined> {
    return this.#find(name)
  }

  async get(name: string): Promise<StreamMeta | undefined> {
    return this.#get(name)
  }

  async list(): Promise<StreamMeta[]> {
    const now = Date.now()
    return this.#q.list
      .all()
      .map(toMeta)
      .filter((meta) => !isExpired(meta, now))
  }

  async create(name: string, options: CreateOptions): Promise<{ created: boolean; meta: StreamMeta }> {
    const existing = this.#find(name)
    if (existing) return { created: false, meta: existing }
    const { fork } = options
    const id = this.#db.transaction(() => {
      const row = this.#q.insertStream.get(
        name,
        options.contentType,
        Date.now(),
        options.ttlSeconds ?? null,
        options.expiresAt ?? null,
        fork?.sourceId ?? null,
        fork?.offset ?? null,
        fork?.subOffset ?? 0,
        fork?.baseSeq ?? 0,
      )!
      if (fork) this.#q.addForks.run(fork.sourceId, 1)
      const messages = [...(fork?.prefix ? [fork.prefix] : []), ...(options.initial ?? [])]
      this.#write(toMeta(row), messages, { close: options.closed })
      return row.id
    })()
    this.changes.notify(id, name, "changed")
    // Not get(): a stream created past its lifetime (Stream-TTL 0, a Stream-Expires-At gone by)
    // is created all the same, like the reference server does, and expires when next looked at.
    return { created: true, meta: toMeta(this.#q.byId.get(id)!) }
  }

  async delete(name: string): Promise<boolean> {
    const meta = this.#get(name)
    if (!meta) return false
    this.#db.transaction(() => this.#remove(meta))()
    return true
  }

  /** Appends (and/or closes) through group commit; settles once the outcome is durable. */
  append(name: string, request: AppendRequest): Promise<AppendOutcome> {
    return this.#commits.submit((written) => this.#append(name, request, written))
  }

  /** Through group commit like every append: the promise settles once the batch is durable. */
  appendWith<T>(name: string, count: number, build: BuildMessage<T>, options: { fence?: AppendFence } = {}): Promise<T[] | undefined> {
    return this.#commits.submit((written) => {
      const meta = this.#get(name)
      if (!meta) return undefined
      if (meta.closed) throw new StreamClosedError(name)
      const { fence } = options
      const epoch = fence && this.#q.lease.get(fence.lease)?.epoch
      if (fence && epoch !== fence.epoch) throw new FencedError(fence, epoch)
      const built = Array.from({ length: count }, (_, i) => build(meta.tailSeq + i + 1, i))
      this.#write(
        meta,
        built.map((b) => b.data),
        {},
      )
      written.set(meta.id, meta.name)
      return built.map((b) => b.value)
    })
  }

  read(meta: StreamMeta, afterSeq: number, limit = 1000, maxBytes = Infinity): Promise<StoredMessage[]> {
    const source = {
      byId: (id: number) => toMeta(this.#q.byId.get(id)!),
      range: (streamId: number, after: number, upTo: number, rows: number) => this.#q.readRange.all(streamId, after, upTo, rows),
    }
    return readMessages(source, meta, afterSeq, limit, maxBytes)
  }

  async tails(names: string[]): Promise<Map<string, number>> {
    const tails = new Map<string, number>()
    for (const name of new Set(names)) {
      const meta = this.#get(name)
      if (meta) tails.set(name, meta.tailSeq)
    }
    return tails
  }

  async touch(meta: StreamMeta): Promise<void> {
    if (meta.ttlSeconds !== undefined) this.#q.touch.run(meta.id, Date.now())
  }

  async close(): Promise<void> {
    this.#db.close()
  }

  #find(name: string): StreamMeta | undefined {
    const row = this.#q.byName.get(name)
    if (!row) return undefined
    const meta = toMeta(row)
    if (meta.deleted || !isExpired(meta, Date.now())) return meta
    this.#db.transaction(() => this.#remove(meta))()
    return meta.forks > 0 ? { ...meta, deleted: true } : undefined
  }

  #get(name: string): StreamMeta | undefined {
    const meta = this.#find(name)
    return meta?.deleted ? undefined : meta
  }

  #append(name: string, request: AppendRequest, written: Map<number, string>): AppendOutcome {
    const meta = this.#find(name)
    const { producer } = request
    const refused = refuseAppend(meta, request, (m) => this.#q.producer.get(m.id, producer!.id) ?? undefined)
    if (refused) return refused
    const tail = this.#write(meta!, request.messages, { close: request.close, producer, writerSeq: request.writerSeq })
    if (producer) this.#q.saveProducer.run(meta!.id, producer.id, producer.epoch, producer.seq)
    written.set(meta!.id, meta!.name)
    return { status: "appended", tail, closed: request.close === true }
  }

  /** Inserts messages after the tail and updates the stream row; returns the new tail. */
  #write(meta: StreamMeta, messages: Uint8Array[], options: { close?: boolean; producer?: ProducerTuple; writerSeq?: string }): number {
    let seq = meta.tailSeq
    let bytes = 0
    for (const data of messages) {
      this.#q.insertMessage.run(meta.id, ++seq, data)
      bytes += data.length
    }
    const { close, producer } = options
    const closedBy = close && producer ? JSON.stringify([producer.id, producer.epoch, producer.seq]) : null
    this.#q.advance.run(meta.id, seq, Date.now(), options.writerSeq ?? null, close ? 1 : 0, closedBy, bytes)
    return seq
  }

  /**
   * Removes a stream: only marks it deleted while forks read from it; otherwise deletes it and
   * releases its source, removing that too when it was deleted and this was its last fork.
   */
  #remove(meta: StreamMeta): void {
    if (meta.forks > 0) this.#q.softDelete.run(meta.id)
    else {
      this.#q.deleteStream.run(meta.id)
      if (meta.forkOf !== undefined) {
        this.#q.addForks.run(meta.forkOf, -1)
        const source = this.#q.byId.get(meta.forkOf)
        if (source && source.deleted === 1 && source.forks === 0) this.#remove(toMeta(source))
      }
    }
    // Wake live readers so they notice the stream is gone instead of waiting out their timeout.
    this.changes.notify(meta.id, meta.name, "deleted")
    if (meta.forks === 0) this.changes.forget(meta.id)
  }
}
