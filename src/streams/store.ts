import { Database, type Statement } from "bun:sqlite"

export interface StreamMeta {
  id: number
  name: string
  contentType: string
  createdAt: number
  closed: boolean
  /** seq of the newest message; 0 when the stream is empty */
  tailSeq: number
  messageCount: number
}

export interface StoredMessage {
  seq: number
  data: Uint8Array<ArrayBuffer>
}

export interface CreateOptions {
  contentType: string
  initial?: Uint8Array[]
}

type Listener = () => void

interface StreamRow {
  id: number
  name: string
  content_type: string
  created_at: number
  closed: number
  tail_seq: number
  message_count: number
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS streams (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL UNIQUE,
  content_type  TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  closed        INTEGER NOT NULL DEFAULT 0,
  tail_seq      INTEGER NOT NULL DEFAULT 0,
  message_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS messages (
  stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
  seq       INTEGER NOT NULL,
  data      BLOB NOT NULL,
  PRIMARY KEY (stream_id, seq)
) WITHOUT ROWID;
`

function toMeta(row: StreamRow): StreamMeta {
  return {
    id: row.id,
    name: row.name,
    contentType: row.content_type,
    createdAt: row.created_at,
    closed: row.closed === 1,
    tailSeq: row.tail_seq,
    messageCount: row.message_count,
  }
}

/**
 * Append-only streams in one SQLite file (WAL). `append` returns only after its transaction has
 * committed with synchronous=FULL, so anything acknowledged to a client survives a crash or
 * `kill -9` of the daemon. Listeners hear about appends after the commit, never before.
 */
export class StreamStore {
  readonly #db: Database
  readonly #listeners = new Map<number, Set<Listener>>()
  readonly #q: {
    byName: Statement<StreamRow, [string]>
    list: Statement<StreamRow, []>
    insertStream: Statement<StreamRow, [string, string, number]>
    deleteStream: Statement<unknown, [number]>
    insertMessage: Statement<unknown, [number, number, Uint8Array]>
    advance: Statement<unknown, [number, number, number]>
    read: Statement<StoredMessage, [number, number, number]>
  }

  constructor(file: string) {
    this.#db = new Database(file, { create: true, strict: true })
    this.#db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000")
    this.#db.exec(SCHEMA)
    this.#q = {
      byName: this.#db.query("SELECT * FROM streams WHERE name = ?"),
      list: this.#db.query("SELECT * FROM streams ORDER BY name"),
      insertStream: this.#db.query("INSERT INTO streams (name, content_type, created_at) VALUES (?, ?, ?) RETURNING *"),
      deleteStream: this.#db.query("DELETE FROM streams WHERE id = ?"),
      insertMessage: this.#db.query("INSERT INTO messages (stream_id, seq, data) VALUES (?, ?, ?)"),
      advance: this.#db.query(
        "UPDATE streams SET tail_seq = ?2, message_count = message_count + ?3 WHERE id = ?1",
      ),
      read: this.#db.query(
        "SELECT seq, data FROM messages WHERE stream_id = ? AND seq > ? ORDER BY seq LIMIT ?",
      ),
    }
  }

  get(name: string): StreamMeta | undefined {
    const row = this.#q.byName.get(name)
    return row ? toMeta(row) : undefined
  }

  list(): StreamMeta[] {
    return this.#q.list.all().map(toMeta)
  }

  /** Creates the stream, or returns the existing one untouched (`created: false`). */
  create(name: string, options: CreateOptions): { created: boolean; meta: StreamMeta } {
    const existing = this.get(name)
    if (existing) return { created: false, meta: existing }
    const meta = this.#db.transaction(() => {
      const row = this.#q.insertStream.get(name, options.contentType, Date.now())!
      const created = toMeta(row)
      if (options.initial?.length) this.#insert(created, options.initial)
      return created
    })()
    this.#notify(meta.id)
    return { created: true, meta: this.get(name)! }
  }

  delete(name: string): boolean {
    const meta = this.get(name)
    if (!meta) return false
    this.#q.deleteStream.run(meta.id)
    // Wake live readers so they notice the stream is gone instead of waiting out their timeout.
    this.#notify(meta.id)
    this.#listeners.delete(meta.id)
    return true
  }

  /** Appends already-encoded messages atomically; returns the new tail seq once committed. */
  append(meta: StreamMeta, messages: Uint8Array[]): number {
    const tail = this.#db.transaction(() => this.#insert(meta, messages))()
    this.#notify(meta.id)
    return tail
  }

  /**
   * Appends messages built from their own seq (the event envelope carries its offset), in one
   * transaction so that the seq each one was built with is the seq it is stored under.
   */
  appendWith<T>(
    name: string,
    count: number,
    build: (seq: number, index: number) => { data: Uint8Array; value: T },
  ): T[] | undefined {
    const result = this.#db.transaction(() => {
      const row = this.#q.byName.get(name)
      if (!row) return undefined
      const meta = toMeta(row)
      const built = Array.from({ length: count }, (_, i) => build(meta.tailSeq + i + 1, i))
      this.#insert(
        meta,
        built.map((b) => b.data),
      )
      return { id: meta.id, values: built.map((b) => b.value) }
    })()
    if (!result) return undefined
    this.#notify(result.id)
    return result.values
  }

  read(meta: StreamMeta, afterSeq: number, limit = 1000): StoredMessage[] {
    return this.#q.read.all(meta.id, afterSeq, limit)
  }

  /** Calls `listener` after every committed append to (or deletion of) the stream. */
  subscribe(streamId: number, listener: Listener): () => void {
    let set = this.#listeners.get(streamId)
    if (!set) this.#listeners.set(streamId, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }

  close(): void {
    this.#db.close()
  }

  #insert(meta: StreamMeta, messages: Uint8Array[]): number {
    const current = this.#q.byName.get(meta.name)!
    let seq = current.tail_seq
    for (const data of messages) this.#q.insertMessage.run(meta.id, ++seq, data)
    this.#q.advance.run(meta.id, seq, messages.length)
    return seq
  }

  #notify(streamId: number): void {
    for (const listener of this.#listeners.get(streamId) ?? []) listener()
  }
}
