// The token ledger's vocabulary shared by the daemon, the CLI and the web page: how a usage report
// may be grouped, and dollar amounts as people read them. Import-free, so the browser and the CLI
// client path load it.

/** What `iterate usage --by` and `GET /v1/usage?by=` group the ledger by; days are UTC days. */
export const USAGE_GROUPS = ["agent", "harness", "model", "day"] as const
export type UsageGroupBy = (typeof USAGE_GROUPS)[number]

/**
 * `$12.35` from a dollar up; below, two significant digits with at least two decimals, so a turn
 * against a cheap model shows what it cost (`$0.00014`) rather than `$0.00`.
 */
export function formatUsd(amount: number): string {
  if (amount === 0 || !Number.isFinite(amount)) return "$0.00"
  const size = Math.abs(amount)
  const decimals = size >= 1 ? 2 : Math.min(10, Math.max(2, 1 - Math.floor(Math.log10(size))))
  // 0.00010 → 0.0001; never fewer than two decimals.
  const digits = size.toFixed(decimals).replace(/(\.\d\d\d*?)0+$/, "$1")
  return `${amount < 0 ? "-" : ""}$${digits}`
}
