// The token ledger in agents.db (see ledger.ts).
import type { Database, Statement } from "bun:sqlite"
import type { UsageRecordedPayload } from "../../protocol/agent-events.ts"
import { entryValues, LEDGER_TABLES, type LedgerDbRow, type LedgerRow, toLedgerRow, type UsageLedger } from "./ledger.ts"

type EntryParams = [string, ...ReturnType<typeof entryValues>]

export class SqliteUsageLedger implements UsageLedger {
  readonly #db: Database
  readonly #q: {
    insert: Statement<unknown, EntryParams>
    spend: Statement<unknown, [string, number]>
    budget: Statement<unknown, [string, number | null]>
    entries: Statement<LedgerDbRow, [string | null, string | null]>
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
      entries: db.query(
        `SELECT u.*, a.name, a.harness FROM usage_ledger u JOIN agents a ON a.id = u.agent_id
         WHERE (?1 IS NULL OR u.agent_id = ?1) AND (?2 IS NULL OR u.at >= ?2) ORDER BY u.at, u.agent_id, u.model`,
      ),
    }
  }

  async record(agentId: string, at: string, entries: UsageRecordedPayload[]): Promise<void> {
    this.#db.transaction(() => {
      let added = 0
      for (const entry of entries) if (this.#q.insert.run(agentId, ...entryValues(entry, at)).changes > 0) added += entry.costUsd
      if (added !== 0) this.#q.spend.run(agentId, added)
    })()
  }

  async entries(filter: { agentId?: string; since?: string }): Promise<LedgerRow[]> {
    return this.#q.entries.all(filter.agentId ?? null, filter.since ?? null).map(toLedgerRow)
  }

  async setBudget(agentId: string, budgetUsd: number | null): Promise<void> {
    this.#q.budget.run(agentId, budgetUsd)
  }
}
