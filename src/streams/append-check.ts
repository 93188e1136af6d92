import { mediaType } from "./content-type.ts"
import { checkProducer, sameProducer, type ProducerState } from "./producers.ts"
import type { AppendOutcome, AppendRequest, StreamMeta } from "./store.ts"

/**
 * Whether an append (or close) may go ahead on the stream as it stands inside the append's
 * transaction: undefined when it may, else the outcome that answers it. Both stores decide the same way.
 */
export function refuseAppend(
  meta: StreamMeta | undefined,
  request: AppendRequest,
  producerState: (meta: StreamMeta) => ProducerState | undefined,
): AppendOutcome | undefined {
  if (!meta) return { status: "not_found" }
  if (meta.deleted) return { status: "gone" }
  const { producer } = request
  const closeOnly = request.messages.length === 0
  if (meta.closed) {
    if (sameProducer(meta.closedBy, producer)) return { status: "duplicate", tail: meta.tailSeq, closed: true, lastSeq: producer!.seq }
    // Closing again is idempotent, unless a producer claims to be the one that closed it.
    if (closeOnly && !producer) return { status: "appended", tail: meta.tailSeq, closed: true }
    return { status: "closed", tail: meta.tailSeq }
  }
  if (!closeOnly && mediaType(request.contentType) !== mediaType(meta.contentType))
    return { status: "content_type_mismatch", contentType: meta.contentType }
  if (producer) {
    const check = checkProducer(producerState(meta), producer.epoch, producer.seq)
    if (check.status === "duplicate") return { ...check, tail: meta.tailSeq, closed: false }
    if (check.status !== "accept") return check
  }
  // Stream-Seq is checked after producer dedup, so a retried request is a duplicate, not a conflict.
  if (request.writerSeq !== undefined && meta.writerSeq !== undefined && request.writerSeq <= meta.writerSeq)
    return { status: "writer_seq_conflict", last: meta.writerSeq }
  return undefined
}
