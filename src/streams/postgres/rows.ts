import type { SQL } from "bun"
import { toMeta, type StreamMeta } from "../store.ts"
import { streamRow } from "./schema.ts"

// Statements the PostgreSQL store runs inside its transactions.

export const metaOf = (raw: Record<string, unknown>): StreamMeta => toMeta(streamRow(raw))

/** What a batch of appends writes: new messages, the streams as they are after them, producers' new states. */
export interface Writes {
  messages: { streamIds: number[]; seqs: number[]; data: Uint8Array[] }
  streams: StreamMeta[]
  producers: { streamId: number; producerId: string; epoch: number; seq: number }[]
}

export const noWrites = (): Writes => ({ messages: { streamIds: [], seqs: [], data: [] }, streams: [], producers: [] })

/** Adds messages after the stream's tail (moving it on), and the stream to those written. */
export function addMessages(writes: Writes, meta: StreamMeta, data: Uint8Array[]): void {
  for (const bytes of data) {
    writes.messages.streamIds.push(meta.id)
    writes.messages.seqs.push(++meta.tailSeq)
    writes.messages.data.push(bytes)
    meta.bytes += bytes.length
  }
  meta.messageCount = meta.tailSeq
  if (!writes.streams.includes(meta)) writes.streams.push(meta)
}

/**
 * Writes it all with one statement, however many messages, streams and producers there are: the
 * messages, the streams' new tails, writer seqs and closed state, and the producers' states.
 */
export async function write(tx: SQL, writes: Writes, now: number): Promise<void> {
  const { messages, streams, producers } = writes
  if (streams.length === 0) return
  const closedBy = streams.map((m) => (m.closedBy ? JSON.stringify([m.closedBy.id, m.closedBy.epoch, m.closedBy.seq]) : null))
  await tx`
    WITH inserted AS (
      INSERT INTO messages (stream_id, seq, data)
      SELECT * FROM unnest(${messages.streamIds}::bigint[], ${messages.seqs}::bigint[], ${messages.data}::bytea[])
    ), produced AS (
      INSERT INTO producers (stream_id, producer_id, epoch, last_seq)
      SELECT * FROM unnest(${producers.map((p) => p.streamId)}::bigint[], ${producers.map((p) => p.producerId)}::text[],
                           ${producers.map((p) => p.epoch)}::bigint[], ${producers.map((p) => p.seq)}::bigint[])
      ON CONFLICT (stream_id, producer_id) DO UPDATE SET epoch = excluded.epoch, last_seq = excluded.last_seq
    )
    UPDATE streams AS s
    SET tail_seq = v.tail_seq, accessed_at = ${now}, writer_seq = v.writer_seq, closed = v.closed, closed_by = v.closed_by, bytes = v.bytes
    FROM unnest(${streams.map((m) => m.id)}::bigint[], ${streams.map((m) => m.tailSeq)}::bigint[], ${streams.map((m) => m.writerSeq ?? null)}::text[],
                ${streams.map((m) => (m.closed ? 1 : 0))}::smallint[], ${closedBy}::text[], ${streams.map((m) => m.bytes)}::bigint[])
                AS v(id, tail_seq, writer_seq, closed, closed_by, bytes)
    WHERE s.id = v.id`
}

/**
 * Removes a stream: only marks it deleted while forks read from it; otherwise deletes it and
 * releases its source, removing that too when it was deleted and this was its last fork. Adds
 * every stream it removed to `removed`, for the notices after the commit.
 */
export async function removeStream(tx: SQL, meta: StreamMeta, removed: StreamMeta[]): Promise<void> {
  if (meta.forks > 0) await tx`UPDATE streams SET deleted = 1 WHERE id = ${meta.id}`
  else {
    await tx`DELETE FROM streams WHERE id = ${meta.id}`
    if (meta.forkOf !== undefined) {
      const [source] = await tx`UPDATE streams SET forks = forks - 1 WHERE id = ${meta.forkOf} RETURNING *`
      if (source && source.deleted === 1 && source.forks === 0) await removeStream(tx, metaOf(source), removed)
    }
  }
  removed.push(meta)
}
