// Reading JSON of unknown shape (a harness's events, a request body, a file on disk) without
// trusting it: each helper gives the value when it has that type, and undefined (an empty list)
// when not, so a reader writes `str(dict(event.part)?.text)` rather than casting. Import-free: the
// harnesses' reducers run in renderers and in the browser too.

export type Dict = Record<string, unknown>

/** A JSON object: not null, not an array. */
export const dict = (value: unknown): Dict | undefined => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Dict) : undefined)

export const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined)

export const num = (value: unknown): number | undefined => (typeof value === "number" ? value : undefined)

export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : [])
