import type { Migration } from "../../storage/postgres.ts"
import type { StreamRow } from "../store.ts"

// The stream store's tables in PostgreSQL: the same as SQLite's (src/streams/schema.ts), so the
// two stores share their row mapping. A fork reads the messages with seq ≤ base_seq from its
// source (and that source's sources) and keeps its own messages above base_seq.
export const STREAM_MIGRATIONS: Migration[] = [
  `CREATE TABLE streams (
     id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     name            text NOT NULL UNIQUE,
     content_type    text NOT NULL,
     created_at      bigint NOT NULL,
     closed          smallint NOT NULL DEFAULT 0,
     tail_seq        bigint NOT NULL DEFAULT 0,
     ttl_seconds     bigint,
     expires_at      text,
     accessed_at     bigint NOT NULL DEFAULT 0,
     writer_seq      text,
     closed_by       text,
     fork_of         bigint,
     fork_offset     bigint,
     fork_sub_offset bigint NOT NULL DEFAULT 0,
     base_seq        bigint NOT NULL DEFAULT 0,
     forks           integer NOT NULL DEFAULT 0,
     deleted         smallint NOT NULL DEFAULT 0
   );
   CREATE TABLE messages (
     stream_id bigint NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
     seq       bigint NOT NULL,
     data      bytea NOT NULL,
     PRIMARY KEY (stream_id, seq)
   );
   CREATE TABLE producers (
     stream_id   bigint NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
     producer_id text NOT NULL,
     epoch       bigint NOT NULL,
     last_seq    bigint NOT NULL,
     PRIMARY KEY (stream_id, producer_id)
   );`,
  // What fenced appends check their epoch against (AppendFence).
  `CREATE TABLE leases (
     name  text PRIMARY KEY,
     epoch bigint NOT NULL
   );`,
  // What `streams list` shows as each stream's size, kept up to date by every append.
  `ALTER TABLE streams ADD COLUMN bytes bigint NOT NULL DEFAULT 0;`,
]

// Bun hands int8 columns over as strings; these are the streams table's.
const INT8_COLUMNS = ["id", "created_at", "tail_seq", "ttl_seconds", "accessed_at", "fork_of", "fork_offset", "fork_sub_offset", "base_seq", "bytes"] as const

/** A streams row as PostgreSQL returns it, with the shape and types SQLite's rows have. */
export function streamRow(raw: Record<string, unknown>): StreamRow {
  const row = { ...raw }
  for (const column of INT8_COLUMNS) if (row[column] !== null) row[column] = Number(row[column])
  return row as unknown as StreamRow
}
