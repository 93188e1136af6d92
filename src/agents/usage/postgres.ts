// The token ledger in the PostgreSQL database the fleet shares (see ledger.ts). Its tables are a
// migration component of their own, run after the agents' (they refer to the agents table).
import type { SQL } from "bun"
import type { UsageRecordedPayload } from "../../protocol/agent-events.ts"
import { migratePostgres, type Postgres } from "../../storage/postgres.ts"
import type { UsageGroupBy } from "../../protocol/usage.ts"
import { LEDGER_TABLES, type UsageLedger } from "./ledger.ts"
import { type LedgerFilter, type ReportRow, reportStatements, toReport, type UsageReport } from "./report.ts"

const MIGRATIONS = [LEDGER_TABLES]

export class PostgresUsageLedger implements UsageLedger {
  readonly #sql: SQL

  private constructor(
    private readonly pg: Postgres,
    private readonly node: string,
  ) {
    this.#sql = pg.sql
  }

  static async open(pg: Postgres, node: string): Promise<PostgresUsageLedger> {
    await migratePostgres(pg, "usage", MIGRATIONS)
    return new PostgresUsageLedger(pg, node)
  }

  async record(agentId: string, at: string, entries: UsageRecordedPayload[]): Promise<void> {
    await this.pg.guard(() =>
      this.#sql.begin(async (tx) => {
        let added = 0
        for (const e of entries) {
          // Only while this node holds the agent: one that lost it cannot add to its ledger.
          const inserted = await tx`
            INSERT INTO usage_ledger (agent_id, prompt, model, at, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd)
            SELECT id, ${e.prompt}::text, ${e.model ?? ""}::text, ${at}::text, ${e.inputTokens}::bigint, ${e.outputTokens}::bigint, ${e.cacheReadTokens}::bigint,
                   ${e.cacheWriteTokens}::bigint, ${e.reasoningTokens}::bigint, ${e.costUsd}::double precision
            FROM agents WHERE id = ${agentId} AND node = ${this.node}
            ON CONFLICT DO NOTHING RETURNING agent_id`
          if (inserted.length > 0) added += e.costUsd
        }
        if (added !== 0)
          await tx`INSERT INTO agent_spend (agent_id, spent_usd) VALUES (${agentId}, ${added})
                   ON CONFLICT (agent_id) DO UPDATE SET spent_usd = agent_spend.spent_usd + excluded.spent_usd`
      }),
    )
  }

  report(filter: LedgerFilter, by: UsageGroupBy): Promise<UsageReport> {
    const { groups, total } = reportStatements(by, filter, (n) => `$${n}`)
    // One snapshot for both, so the total is the sum of the groups.
    return this.pg.guard(() =>
      this.#sql.begin("ISOLATION LEVEL REPEATABLE READ READ ONLY", async (tx) => {
        const rows: ReportRow[] = await tx.unsafe(groups.sql, groups.params)
        const [sum]: ReportRow[] = await tx.unsafe(total.sql, total.params)
        return toReport(by, rows, sum!)
      }),
    )
  }

  async setBudget(agentId: string, budgetUsd: number | null): Promise<void> {
    await this.pg.guard(
      () => this.#sql`INSERT INTO agent_spend (agent_id, budget_usd) VALUES (${agentId}, ${budgetUsd})
                      ON CONFLICT (agent_id) DO UPDATE SET budget_usd = excluded.budget_usd`,
    )
  }
}
