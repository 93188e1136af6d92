// Offsets are opaque to clients but sortable as strings: a 16-digit zero-padded sequence number,
// the count of messages before the position. Message seq numbers start at 1, so "everything" is
// "after 0".
const WIDTH = 16
export const START_OFFSET = "0".repeat(WIDTH)

// The Durable Streams reference server spells the start of a stream like this; clients (the
// conformance suite among them) hard-code it to mean "before any data", so it is accepted too.
const REFERENCE_START = `${START_OFFSET}_${START_OFFSET}`

export function formatOffset(seq: number): string {
  return String(seq).padStart(WIDTH, "0")
}

/** Parses a client-supplied offset. `-1` means the beginning; `now` is handled by the caller. */
export function parseOffset(value: string): number | undefined {
  if (value === "-1" || value === REFERENCE_START) return 0
  if (value.length !== WIDTH || !/^\d+$/.test(value)) return undefined
  return Number(value)
}
