// Idempotent producers (Producer-Id / -Epoch / -Seq): Kafka-style fencing and deduplication.
// A new epoch must start at seq 0; within an epoch seqs go up by one; a repeat is a duplicate.

export interface ProducerTuple {
  id: string
  epoch: number
  seq: number
}

export interface ProducerState {
  epoch: number
  lastSeq: number
}

export type ProducerCheck =
  | { status: "accept" }
  | { status: "duplicate"; lastSeq: number }
  | { status: "stale_epoch"; epoch: number }
  | { status: "invalid_epoch_seq" }
  | { status: "sequence_gap"; expected: number; received: number }

export function checkProducer(state: ProducerState | undefined, epoch: number, seq: number): ProducerCheck {
  if (!state || epoch > state.epoch) {
    if (seq === 0) return { status: "accept" }
    return state ? { status: "invalid_epoch_seq" } : { status: "sequence_gap", expected: 0, received: seq }
  }
  if (epoch < state.epoch) return { status: "stale_epoch", epoch: state.epoch }
  if (seq <= state.lastSeq) return { status: "duplicate", lastSeq: state.lastSeq }
  if (seq === state.lastSeq + 1) return { status: "accept" }
  return { status: "sequence_gap", expected: state.lastSeq + 1, received: seq }
}

export const sameProducer = (a: ProducerTuple | undefined, b: ProducerTuple | undefined) =>
  a !== undefined && b !== undefined && a.id === b.id && a.epoch === b.epoch && a.seq === b.seq
