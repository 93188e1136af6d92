// The token ledger in the agent store: every turn's spend per model (the same entries the adapter
// appends to the agent's stream as `iterate:agent:usage:recorded`, keyed by the turn's prompt and
// the model, so recording one twice changes nothing), each agent's running total, and its budget.
// Entries are written with the turn's end, before its events are appended, as the adapter's
// progress is; the running total is their sum, kept in the same commit, so budgets and the agents
// list never read streams.
import type { UsageRecordedPayload } from "../../protocol/agent-events.ts"
import type { UsageGroupBy } from "../../protocol/usage.ts"
import type { LedgerFilter, UsageReport } from "./report.ts"

/** What one turn of an agent spent, at its end. */
export interface LedgerTurn {
  agentId: string
  at: string
  entries: UsageRecordedPayload[]
}

export interface UsageLedger {
  /**
   * Adds turns' entries to their agents' ledgers and running totals, in one commit (the adapter
   * records a turn as it ends, an import many). On a shared store only while this node holds the
   * agent, like the adapter's other progress.
   */
  record(turns: LedgerTurn[]): Promise<void>
  /** The entries `filter` keeps, summed `by` (see report.ts). */
  report(filter: LedgerFilter, by: UsageGroupBy): Promise<UsageReport>
  /** The agent's budget in dollars; null removes it. From any node. */
  setBudget(agentId: string, budgetUsd: number | null): Promise<void>
}

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
