// `iterate usage` and GET /v1/usage: the ledger summed by agent, harness, model or day, with a
// total. Summed by the database (the same statements for SQLite and PostgreSQL, with each one's
// placeholders), so a report costs what its groups do, not what the ledger holds.
import type { UsageRecordedPayload } from "../../protocol/agent-events.ts"
import type { UsageGroupBy } from "../../protocol/usage.ts"

/** The sums of the entries' tokens and cost. */
export interface UsageTotals extends Omit<UsageRecordedPayload, "prompt" | "model"> {
  /** turns that reported a spend (a turn on two models counts in both models' rows, once in the total) */
  turns: number
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

/** Which entries a report sums: one agent's, those recorded at or after `since` (ISO). */
export interface LedgerFilter {
  agentId?: string
  since?: string
}

const KEY: Record<UsageGroupBy, string> = { agent: "u.agent_id", harness: "a.harness", model: "u.model", day: "substr(u.at, 1, 10)" }

// A turn is its agent and prompt; `at` sorts as it reads (ISO, UTC).
const SUMS = `count(DISTINCT u.agent_id || ' ' || u.prompt) AS turns,
  coalesce(sum(u.input_tokens), 0) AS input_tokens, coalesce(sum(u.output_tokens), 0) AS output_tokens,
  coalesce(sum(u.cache_read_tokens), 0) AS cache_read_tokens, coalesce(sum(u.cache_write_tokens), 0) AS cache_write_tokens,
  coalesce(sum(u.reasoning_tokens), 0) AS reasoning_tokens, coalesce(sum(u.cost_usd), 0) AS cost_usd`

export interface Statement {
  sql: string
  params: string[]
}

/**
 * The two statements of a report: its groups (by day oldest first, otherwise the costliest first)
 * and its total. `placeholder(n)` is the store's n-th parameter (`?1`, `$1`). Only the filters
 * given are in the WHERE clause, so the database can use its indexes.
 */
export function reportStatements(by: UsageGroupBy, filter: LedgerFilter, placeholder: (n: number) => string): { groups: Statement; total: Statement } {
  const params: string[] = []
  const conditions: string[] = []
  if (filter.agentId !== undefined) conditions.push(`u.agent_id = ${placeholder(params.push(filter.agentId))}`)
  if (filter.since !== undefined) conditions.push(`u.at >= ${placeholder(params.push(filter.since))}`)
  const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : ""
  const order = by === "day" ? "group_key" : "cost_usd DESC, group_key"
  return {
    groups: {
      sql: `SELECT ${KEY[by]} AS group_key, min(a.name) AS name, min(a.harness) AS harness, ${SUMS}
            FROM usage_ledger u JOIN agents a ON a.id = u.agent_id ${where} GROUP BY ${KEY[by]} ORDER BY ${order}`,
      params,
    },
    total: { sql: `SELECT ${SUMS} FROM usage_ledger u ${where}`, params },
  }
}

/** A row of either statement, as both stores return it (PostgreSQL's sums come as strings). */
export interface ReportRow {
  group_key?: string
  name?: string
  harness?: string
  turns: number | string
  input_tokens: number | string
  output_tokens: number | string
  cache_read_tokens: number | string
  cache_write_tokens: number | string
  reasoning_tokens: number | string
  cost_usd: number | string
}

const totals = (row: ReportRow): UsageTotals => ({
  turns: Number(row.turns),
  inputTokens: Number(row.input_tokens),
  outputTokens: Number(row.output_tokens),
  cacheReadTokens: Number(row.cache_read_tokens),
  cacheWriteTokens: Number(row.cache_write_tokens),
  reasoningTokens: Number(row.reasoning_tokens),
  costUsd: Number(row.cost_usd),
})

function labels(by: UsageGroupBy, row: ReportRow): Partial<UsageGroup> {
  const key = row.group_key!
  if (by === "agent") return { agent: key, name: row.name!, harness: row.harness! }
  return { [by]: key }
}

/** The report from the rows of its two statements. */
export const toReport = (by: UsageGroupBy, groups: ReportRow[], total: ReportRow): UsageReport => ({
  by,
  groups: groups.map((row) => ({ key: row.group_key!, ...labels(by, row), ...totals(row) })),
  total: totals(total),
})
