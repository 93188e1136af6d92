// `--since D` and the `since` query parameter, the same for every command and route that takes
// one: a span back from now (`30m`, `24h`, `7d`, `2w`) or a moment (an ISO date `2026-05-01`, or a
// date and time `2026-05-01T09:30:00Z`). Import-free, so the CLI checks it before it asks.

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

export const SINCE_FORMS = "a span like 30m, 24h, 7d or 2w, or an ISO date like 2026-05-01"

/** The moment `value` names, or undefined when it is none of the forms. */
export function parseSince(value: string, now: Date = new Date()): Date | undefined {
  const text = value.trim()
  const span = /^(\d+)\s*([smhdw])$/i.exec(text)
  if (span) return new Date(now.getTime() - Number(span[1]) * UNITS[span[2]!.toLowerCase()]!)
  // A date alone, or with a time; Date.parse takes more than ISO (e.g. "May 1"), which is refused.
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined
  const at = Date.parse(text.replace(" ", "T"))
  return Number.isNaN(at) ? undefined : new Date(at)
}
