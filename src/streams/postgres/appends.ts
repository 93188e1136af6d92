import type { SQL } from "bun"
import { refuseAppend } from "../append-check.ts"
import { isExpired } from "../expiry.ts"
import type { ProducerState } from "../producers.ts"
import { type AppendFence, type AppendOutcome, type AppendRequest, type BuildMessage, FencedError, StreamClosedError, type StreamMeta } from "../store.ts"
import type { Settled } from "./batches.ts"
import { addMessages, metaOf, noWrites, removeStream, write, type Writes } from "./rows.ts"

/** One append of a batch: a protocol append (or close), or messages built from their own seqs. */
export type AppendOp =
  | { kind: "append"; name: string; request: AppendRequest }
  | { kind: "build"; name: string; count: number; build: BuildMessage<unknown>; fence?: AppendFence }

export interface Committed {
  settled: Settled<AppendOutcome | unknown[] | undefined>[]
  /** the streams the batch wrote to, as they are after it */
  written: StreamMeta[]
  /** the expired streams it removed on the way */
  removed: StreamMeta[]
}

const key = (streamId: number, producerId: string) => `${streamId}\u0000${producerId}`
const ok = <R>(value: R): Settled<R> => ({ ok: true, value })

/**
 * Runs a batch of appends in the transaction `tx`, in order, as if one after the other. The rows
 * of the streams it writes are locked first (in id order, so that nodes locking the same streams
 * never deadlock): every other node's appends to them wait, which keeps seqs gapless per stream.
 */
export async function commitAppends(tx: SQL, ops: AppendOp[], now: number): Promise<Committed> {
  const names = [...new Set(ops.map((op) => op.name))]
  const removed: StreamMeta[] = []
  const streams = new Map<string, StreamMeta | undefined>()
  for (const raw of await tx`SELECT * FROM streams WHERE name = ANY(${names}::text[]) ORDER BY id FOR UPDATE`) {
    const meta = metaOf(raw)
    if (meta.deleted || !isExpired(meta, now)) streams.set(meta.name, meta)
    else {
      await removeStream(tx, meta, removed)
      if (meta.forks > 0) streams.set(meta.name, { ...meta, deleted: true })
    }
  }
  const producers = await loadProducers(tx, ops, streams)
  const leases = await loadLeases(tx, ops)
  const saved = new Map<string, Writes["producers"][number]>()
  const writes = noWrites()

  const settled = ops.map((op): Settled<AppendOutcome | unknown[] | undefined> => {
    const meta = streams.get(op.name)
    if (op.kind === "build") {
      if (!meta || meta.deleted) return ok(undefined)
      if (meta.closed) return { ok: false, error: new StreamClosedError(op.name) }
      const { fence } = op
      if (fence && leases.get(fence.lease) !== fence.epoch) return { ok: false, error: new FencedError(fence, leases.get(fence.lease)) }
      let built: ReturnType<BuildMessage<unknown>>[]
      try {
        built = Array.from({ length: op.count }, (_, i) => op.build(meta.tailSeq + i + 1, i))
      } catch (error) {
        return { ok: false, error }
      }
      addMessages(
        writes,
        meta,
        built.map((b) => b.data),
      )
      return ok(built.map((b) => b.value))
    }
    const { request } = op
    const { producer } = request
    const refused = refuseAppend(meta, request, (m) => producers.get(key(m.id, producer!.id)))
    if (refused) return ok(refused)
    const stream = meta!
    addMessages(writes, stream, request.messages)
    if (request.writerSeq !== undefined) stream.writerSeq = request.writerSeq
    if (request.close) {
      stream.closed = true
      if (producer) stream.closedBy = producer
    }
    if (producer) {
      producers.set(key(stream.id, producer.id), { epoch: producer.epoch, lastSeq: producer.seq })
      saved.set(key(stream.id, producer.id), { streamId: stream.id, producerId: producer.id, epoch: producer.epoch, seq: producer.seq })
    }
    return ok({ status: "appended", tail: stream.tailSeq, closed: request.close === true })
  })

  writes.producers = [...saved.values()]
  await write(tx, writes, now)
  return { settled, written: writes.streams, removed }
}

/**
 * The epochs of the leases the batch's fenced appends name, share-locked until the commit: a
 * takeover (which updates the lease) waits for these appends, or they see its new epoch. Lease
 * rows are locked after stream rows, here and wherever both are.
 */
async function loadLeases(tx: SQL, ops: AppendOp[]): Promise<Map<string, number>> {
  const names = [...new Set(ops.flatMap((op) => (op.kind === "build" && op.fence ? [op.fence.lease] : [])))]
  if (names.length === 0) return new Map()
  const rows = await tx`SELECT name, epoch FROM leases WHERE name = ANY(${names}::text[]) ORDER BY name FOR SHARE`
  return new Map(rows.map((row: { name: string; epoch: string }) => [row.name, Number(row.epoch)]))
}

/** The producer states the batch's producer appends check against. */
async function loadProducers(tx: SQL, ops: AppendOp[], streams: Map<string, StreamMeta | undefined>): Promise<Map<string, ProducerState>> {
  const states = new Map<string, ProducerState>()
  const ids = new Set<number>()
  const producerIds = new Set<string>()
  for (const op of ops) {
    const meta = streams.get(op.name)
    if (op.kind === "append" && op.request.producer && meta) {
      ids.add(meta.id)
      producerIds.add(op.request.producer.id)
    }
  }
  if (ids.size === 0) return states
  for (const row of await tx`SELECT stream_id, producer_id, epoch, last_seq FROM producers
                             WHERE stream_id = ANY(${[...ids]}::bigint[]) AND producer_id = ANY(${[...producerIds]}::text[])`)
    states.set(key(Number(row.stream_id), row.producer_id), { epoch: Number(row.epoch), lastSeq: Number(row.last_seq) })
  return states
}
