// `iterate usage` and GET /v1/usage: the ledger's entries summed by agent, harness, model or day,
// with a total. Pure: the stores select the entries, this groups them.
import type { UsageGroupBy } from "../../protocol/usage.ts"
import type { LedgerRow } from "./ledger.ts"

export interface UsageTotals {
  /** turns that reported a spend (a turn on two models counts in both models' rows, once in the total) */
  turns: number
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  reasoningTokens: number
  costUsd: number
}

/** One row of a report: `key` is what it groups by, spelled out in the field of that name. */
export interface UsageGroup extends UsageTotals {
  /** the agent's id, the harness, the model ("" when unknown) or the day (YYYY-MM-DD, UTC) */
  key: string
  /** by agent: its id and name; by agent and by harness: the harness */
  agent?: string
  name?: string
  harness?: string
  /** by model */
  model?: string
  /** by day */
  day?: string
}

export interface UsageReport {
  by: UsageGroupBy
  groups: UsageGroup[]
  total: UsageTotals
}

const TOTALS = ["inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "reasoningTokens", "costUsd"] as const

const keyOf: Record<UsageGroupBy, (row: LedgerRow) => string> = {
  agent: (row) => row.agentId,
  harness: (row) => row.harness,
  model: (row) => row.model ?? "",
  day: (row) => row.at.slice(0, 10),
}

function labels(by: UsageGroupBy, key: string, row: LedgerRow): Partial<UsageGroup> {
  if (by === "agent") return { agent: row.agentId, name: row.name, harness: row.harness }
  if (by === "harness") return { harness: key }
  if (by === "model") return { model: key }
  return { day: key }
}

class Sum {
  readonly totals: UsageTotals = { turns: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0 }
  readonly #turns = new Set<string>()

  add(row: LedgerRow): void {
    for (const field of TOTALS) this.totals[field] += row[field]
    this.#turns.add(`${row.agentId}\0${row.prompt}`)
    this.totals.turns = this.#turns.size
  }
}

/** Days in order; anything else the costliest first. */
export function groupUsage(rows: LedgerRow[], by: UsageGroupBy): UsageReport {
  const groups = new Map<string, { labels: Partial<UsageGroup>; sum: Sum }>()
  const total = new Sum()
  for (const row of rows) {
    const key = keyOf[by](row)
    let group = groups.get(key)
    if (!group) groups.set(key, (group = { labels: labels(by, key, row), sum: new Sum() }))
    group.sum.add(row)
    total.add(row)
  }
  const list = [...groups].map(([key, group]) => ({ key, ...group.labels, ...group.sum.totals }))
  list.sort(by === "day" ? (a, b) => a.key.localeCompare(b.key) : (a, b) => b.costUsd - a.costUsd || a.key.localeCompare(b.key))
  return { by, groups: list, total: total.totals }
}
