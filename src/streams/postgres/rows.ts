import type { SQL } from "bun"
import { toMeta, type StreamMeta } from "../store.ts"
import { streamRow } from "./schema.ts"

// Statements the PostgreSQL store runs inside its transactions.

export const metaOf = (raw: Record<string, unknown>): StreamMeta => toMeta(streamRow(raw))

export interface MessageRows {
  streamIds: number[]
  seqs: number[]
  data: Uint8Array[]
}

export const noMessages = (): MessageRows => ({ streamIds: [], seqs: [], data: [] })

/** Inserts messages with one statement, however many there are. */
export async function insertMessages(tx: SQL, rows: MessageRows): Promise<void> {
  if (rows.seqs.length === 0) return
  await tx`INSERT INTO messages (stream_id, seq, data)
           SELECT * FROM unnest(${rows.streamIds}::bigint[], ${rows.seqs}::bigint[], ${rows.data}::bytea[])`
}

/** Writes the streams' new tails, writer seqs and closed state with one statement. */
export async function advanceStreams(tx: SQL, metas: StreamMeta[], now: number): Promise<void> {
  if (metas.length === 0) return
  const closedBy = metas.map((m) => (m.closedBy ? JSON.stringify([m.closedBy.id, m.closedBy.epoch, m.closedBy.seq]) : null))
  await tx`UPDATE streams AS s
           SET tail_seq = v.tail_seq, accessed_at = ${now}, writer_seq = v.writer_seq, closed = v.closed, closed_by = v.closed_by
           FROM unnest(${metas.map((m) => m.id)}::bigint[], ${metas.map((m) => m.tailSeq)}::bigint[], ${metas.map((m) => m.writerSeq ?? null)}::text[],
                       ${metas.map((m) => (m.closed ? 1 : 0))}::smallint[], ${closedBy}::text[]) AS v(id, tail_seq, writer_seq, closed, closed_by)
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
