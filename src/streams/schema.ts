import type { Database } from "bun:sqlite"

// The stream store's tables. A fork reads the messages with seq ≤ base_seq from its source (and
// that source's sources) and keeps its own messages above base_seq, so forking copies nothing.
const TABLES = `
CREATE TABLE IF NOT EXISTS streams (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  content_type    TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  closed          INTEGER NOT NULL DEFAULT 0,
  tail_seq        INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS messages (
  stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
  seq       INTEGER NOT NULL,
  data      BLOB NOT NULL,
  PRIMARY KEY (stream_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS producers (
  stream_id   INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
  producer_id TEXT NOT NULL,
  epoch       INTEGER NOT NULL,
  last_seq    INTEGER NOT NULL,
  PRIMARY KEY (stream_id, producer_id)
) WITHOUT ROWID;
-- What fenced appends check their epoch against (AppendFence), in the file the appends commit to.
CREATE TABLE IF NOT EXISTS leases (
  name  TEXT PRIMARY KEY,
  epoch INTEGER NOT NULL
) WITHOUT ROWID;
`

// Columns added after the first release of the store; databases from then get them on open, with
// the values the rows already have filled in by `backfill` where the default would be wrong.
const STREAM_COLUMNS: [name: string, definition: string, backfill?: string][] = [
  ["ttl_seconds", "INTEGER"], // sliding time-to-live, renewed by reads and writes
  ["expires_at", "TEXT"], // absolute expiry, as the client gave it (RFC 3339)
  ["accessed_at", "INTEGER NOT NULL DEFAULT 0"], // last read or write, for the sliding TTL
  ["writer_seq", "TEXT"], // the last Stream-Seq, compared bytewise
  ["closed_by", "TEXT"], // JSON [producerId, epoch, seq] of the producer append that closed it
  ["fork_of", "INTEGER"], // the source stream's id
  ["fork_offset", "INTEGER"], // Stream-Fork-Offset as requested (null when defaulted)
  ["fork_sub_offset", "INTEGER NOT NULL DEFAULT 0"],
  ["base_seq", "INTEGER NOT NULL DEFAULT 0"], // seqs up to here are read from the source
  ["forks", "INTEGER NOT NULL DEFAULT 0"], // how many forks read from this stream
  ["deleted", "INTEGER NOT NULL DEFAULT 0"], // deleted, but kept while forks read from it
  // bytes of the stream's own messages (a fork's inherited ones count at its source)
  ["bytes", "INTEGER NOT NULL DEFAULT 0", "UPDATE streams SET bytes = (SELECT coalesce(sum(length(data)), 0) FROM messages WHERE stream_id = streams.id)"],
]

export function migrate(db: Database): void {
  db.exec(TABLES)
  const have = new Set(db.query<{ name: string }, []>("SELECT name FROM pragma_table_info('streams')").all().map((c) => c.name))
  for (const [name, definition, backfill] of STREAM_COLUMNS) {
    if (have.has(name)) continue
    db.exec(`ALTER TABLE streams ADD COLUMN ${name} ${definition}`)
    if (backfill) db.exec(backfill)
  }
}
