// Stream-Cursor: the number of 20-second intervals since 2024-10-09, so that CDN caches keyed on
// it expire. It never goes backwards for a client: one that echoes a cursor at or past the
// current interval gets one 1–3600 s further on, which breaks cache cycles.
const EPOCH_MS = Date.UTC(2024, 9, 9)
const INTERVAL_MS = 20_000
const MAX_JITTER_INTERVALS = 3600_000 / INTERVAL_MS

export function nextCursor(echoed: string | null): string {
  const current = Math.floor((Date.now() - EPOCH_MS) / INTERVAL_MS)
  const given = echoed === null || !/^\d{1,15}$/.test(echoed) ? -1 : Number(echoed)
  if (given < current) return String(current)
  return String(given + 1 + Math.floor(Math.random() * MAX_JITTER_INTERVALS))
}
