// Offsets are opaque to clients but sortable as strings: a 16-digit zero-padded sequence number.
// Message seq numbers start at 1, so "everything" is "after 0".
const WIDTH = 16
export const START_OFFSET = "0".repeat(WIDTH)

export function formatOffset(seq: number): string {
  return String(seq).padStart(WIDTH, "0")
}

/** Parses a client-supplied offset. `-1` means the beginning; `now` is handled by the caller. */
export function parseOffset(value: string): number | undefined {
  if (value === "-1") return 0
  if (value.length !== WIDTH || !/^\d+$/.test(value)) return undefined
  return Number(value)
}
