// The token ledger in agents.db (see ledger.ts).
import type { Database, Statement } from "bun:sqlite"
import type { UsageRecordedPayload } from "../../protocol/agent-events.ts"
import type { UsageGroupBy } from "../../protocol/usage.ts"
import { LEDGER_TABLES, type LedgerTurn, type UsageLedger } from "./ledger.ts"
import { type LedgerFilter, type ReportRow, reportStatements, toReport, type UsageReport } from "./report.ts"

/** An entry's columns, in the order the INSERT names them after agent_id. */
const entryValues = (entry: UsageRecordedPayload, at: string) =>
  [entry.prompt, entry.model ?? "", at, entry.inputTokens, entry.outputTokens, entry.cacheReadTokens, entry.cacheWriteTokens, entry.reasoningTokens, entry.costUsd] as const

export class SqliteUsageLedger implements UsageLedger {
  readonly #db: Database
  readonly #q: {
    insert: Statement<unknown, [string, ...ReturnType<typeof entryValues>]>
    spend: Statement<unknown, [string, number]>
    budget: Statement<unknown, [string, number | null]>
  }

  /** Makes the tables when agents.db has none yet: before the agents' queries, which join them, are prepared. */
  constructor(db: Database) {
    this.#db = db
    db.exec(LEDGER_TABLES)
    this.#q = {
      // From the agents table: an agent removed meanwhile gets nothing.
      insert: db.query(
        `INSERT OR IGNORE INTO usage_ledger (agent_id, prompt, model, at, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd)
         SELECT id, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 FROM agents WHERE id = ?1`,
      ),
      spend: db.query(
        "INSERT INTO agent_spend (agent_id, spent_usd) VALUES (?1, ?2) ON CONFLICT (agent_id) DO UPDATE SET spent_usd = spent_usd + excluded.spent_usd",
      ),
      budget: db.query("INSERT INTO agent_spend (agent_id, budget_usd) VALUES (?1, ?2) ON CONFLICT (agent_id) DO UPDATE SET budget_usd = excluded.budget_usd"),
    }
  }

  async record(turns: LedgerTurn[]): Promise<void> {
    this.#db.transaction(() => {
      for (const { agentId, at, entries } of turns) {
        let added = 0
        for (const entry of entries) if (this.#q.insert.run(agentId, ...entryValues(entry, at)).changes > 0) added += entry.costUsd
        if (added !== 0) this.#q.spend.run(agentId, added)
      }
    })()
  }

  async report(filter: LedgerFilter, by: UsageGroupBy): Promise<UsageReport> {
    const { groups, total } = reportStatements(by, filter, (n) => `?${n}`)
    // db.query keeps each statement compiled: a report's SQL is one of a few shapes.
    return this.#db.transaction(() =>
      toReport(by, this.#db.query<ReportRow, string[]>(groups.sql).all(...groups.params), this.#db.query<ReportRow, string[]>(total.sql).get(...total.params)!),
    )()
  }

  async setBudget(agentId: string, budgetUsd: number | null): Promise<void> {
    this.#q.budget.run(agentId, budgetUsd)
  }
}
