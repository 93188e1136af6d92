// The token ledger in the agent store: every turn's spend per model (the same entries the adapter
// appends to the agent's stream as `iterate:agent:usage:recorded`, keyed by the turn's prompt and
// the model, so recording one twice changes nothing), each agent's running total, and its budget.
// Entries are written with the turn's end, before its events are appended, as the adapter's
// progress is; the running total is their sum, kept in the same commit, so budgets and the agents
// list never read streams.
import type { UsageRecordedPayload } from "../../protocol/agent-events.ts"

/** A ledger entry as `usage` reports it: with its agent and when it was recorded. */
export interface LedgerRow extends UsageRecordedPayload {
  agentId: string
  /** the agent's name and harness */
  name: string
  harness: string
  /** when the turn ended (ISO) */
  at: string
}

export interface UsageLedger {
  /**
   * Adds a turn's entries to the agent's ledger and its running total, in one commit. On a shared
   * store only while this node holds the agent, like the adapter's other progress.
   */
  record(agentId: string, at: string, entries: UsageRecordedPayload[]): Promise<void>
  /** The entries of one agent (or of every agent) recorded at or after `since` (ISO), oldest first. */
  entries(filter: { agentId?: string; since?: string }): Promise<LedgerRow[]>
  /** The agent's budget in dollars; null removes it. From any node. */
  setBudget(agentId: string, budgetUsd: number | null): Promise<void>
}

/** The ledger's rows as both stores keep them. */
export interface LedgerDbRow {
  agent_id: string
  name: string
  harness: string
  prompt: string
  model: string
  at: string
  input_tokens: number | string
  output_tokens: number | string
  cache_read_tokens: number | string
  cache_write_tokens: number | string
  reasoning_tokens: number | string
  cost_usd: number
}

export const toLedgerRow = (row: LedgerDbRow): LedgerRow => ({
  agentId: row.agent_id,
  name: row.name,
  harness: row.harness,
  at: row.at,
  prompt: row.prompt,
  ...(row.model !== "" && { model: row.model }),
  inputTokens: Number(row.input_tokens),
  outputTokens: Number(row.output_tokens),
  cacheReadTokens: Number(row.cache_read_tokens),
  cacheWriteTokens: Number(row.cache_write_tokens),
  reasoningTokens: Number(row.reasoning_tokens),
  costUsd: Number(row.cost_usd),
})

/** The columns of an entry, in the order the stores' INSERT statements name them after agent_id. */
export const entryValues = (entry: UsageRecordedPayload, at: string) =>
  [entry.prompt, entry.model ?? "", at, entry.inputTokens, entry.outputTokens, entry.cacheReadTokens, entry.cacheWriteTokens, entry.reasoningTokens, entry.costUsd] as const

/**
 * The ledger's tables, the same statement for SQLite and PostgreSQL (both take these type names).
 * Removing an agent for good removes its entries; archiving keeps them.
 */
export const LEDGER_TABLES = `
CREATE TABLE IF NOT EXISTS agent_spend (
  agent_id   text PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
  spent_usd  double precision NOT NULL DEFAULT 0,
  budget_usd double precision
);
CREATE TABLE IF NOT EXISTS usage_ledger (
  agent_id           text NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  prompt             text NOT NULL,
  model              text NOT NULL,
  at                 text NOT NULL,
  input_tokens       bigint NOT NULL,
  output_tokens      bigint NOT NULL,
  cache_read_tokens  bigint NOT NULL,
  cache_write_tokens bigint NOT NULL,
  reasoning_tokens   bigint NOT NULL,
  cost_usd           double precision NOT NULL,
  PRIMARY KEY (agent_id, prompt, model)
);
CREATE INDEX IF NOT EXISTS usage_ledger_at ON usage_ledger (at);
`

/** What the agents' queries join to give each agent its running total and budget. */
export const SPEND_JOIN = "LEFT JOIN agent_spend s ON s.agent_id = a.id"
export const SPEND_COLUMNS = "coalesce(s.spent_usd, 0) AS spent_usd, s.budget_usd"
