import type { StoredMessage, StreamMeta } from "./store.ts"

// Reading a stream means reading along its fork chain: a fork's first messages live in its
// source (and that source's sources), so a read covers one seq range per stream of the chain.

export interface MessageSource {
  /** a stream by id; a fork's source is kept (at least marked deleted) while forks read from it */
  byId(id: number): StreamMeta | Promise<StreamMeta>
  /** the stream's own messages with after < seq ≤ upTo, in order, at most `limit` */
  range(streamId: number, after: number, upTo: number, limit: number): StoredMessage[] | Promise<StoredMessage[]>
}

// Rows fetched per query while filling a read; a read stops early once it has enough bytes.
const READ_CHUNK = 1024

/**
 * Messages after `afterSeq` in order, across the fork's sources: at most `limit` of them, and no
 * more once `maxBytes` is reached (always at least one when there is one).
 */
export async function readMessages(source: MessageSource, meta: StreamMeta, afterSeq: number, limit: number, maxBytes: number): Promise<StoredMessage[]> {
  const out: StoredMessage[] = []
  let bytes = 0
  for (const segment of await segments(source, meta, afterSeq)) {
    let after = segment.after
    for (;;) {
      const rows = await source.range(segment.streamId, after, segment.upTo, Math.min(READ_CHUNK, limit - out.length))
      for (const row of rows) {
        out.push(row)
        bytes += row.data.length
        if (bytes >= maxBytes) return out
      }
      if (out.length >= limit) return out
      if (rows.length < READ_CHUNK) break
      after = rows[rows.length - 1]!.seq
    }
  }
  return out
}

/** The seq ranges a read after `afterSeq` covers, oldest first: sources' ranges, then the stream's own. */
async function segments(source: MessageSource, meta: StreamMeta, afterSeq: number): Promise<{ streamId: number; after: number; upTo: number }[]> {
  const found: { streamId: number; after: number; upTo: number }[] = []
  let stream = meta
  let upTo = Number.MAX_SAFE_INTEGER
  for (;;) {
    const after = Math.max(afterSeq, stream.baseSeq)
    if (upTo > after) found.unshift({ streamId: stream.id, after, upTo })
    if (stream.forkOf === undefined || afterSeq >= stream.baseSeq) return found
    upTo = stream.baseSeq
    stream = await source.byId(stream.forkOf)
  }
}
