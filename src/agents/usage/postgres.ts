// The token ledger in the PostgreSQL database the fleet shares (see ledger.ts). Its tables are a
// migration component of their own, run after the agents' (they refer to the agents table).
import type { SQL } from "bun"
import { migratePostgres, type Postgres } from "../../storage/postgres.ts"
import type { UsageGroupBy } from "../../protocol/usage.ts"
import { LEDGER_TABLES, type LedgerTurn, type UsageLedger } from "./ledger.ts"
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

  async record(turns: LedgerTurn[]): Promise<void> {
    const rows = turns.flatMap(({ agentId, at, entries }) => entries.map((e) => ({ agentId, at, e })))
    if (rows.length === 0) return
    const column = <T>(pick: (row: (typeof rows)[number]) => T) => rows.map(pick)
    await this.pg.guard(() =>
      this.#sql.begin(async (tx) => {
        // Only while this node holds the agent: one that lost it cannot add to its ledger.
        const inserted: Array<{ agent_id: string; cost_usd: number }> = await tx`
          INSERT INTO usage_ledger (agent_id, prompt, model, at, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd)
          SELECT v.* FROM unnest(${column((r) => r.agentId)}::text[], ${column((r) => r.e.prompt)}::text[], ${column((r) => r.e.model ?? "")}::text[],
                                 ${column((r) => r.at)}::text[], ${column((r) => r.e.inputTokens)}::bigint[], ${column((r) => r.e.outputTokens)}::bigint[],
                                 ${column((r) => r.e.cacheReadTokens)}::bigint[], ${column((r) => r.e.cacheWriteTokens)}::bigint[],
                                 ${column((r) => r.e.reasoningTokens)}::bigint[], ${column((r) => r.e.costUsd)}::double precision[])
                 AS v(agent_id, prompt, model, at, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd)
          JOIN agents a ON a.id = v.agent_id AND a.node = ${this.node}
          ON CONFLICT DO NOTHING RETURNING agent_id, cost_usd`
        const added = new Map<string, number>()
        for (const row of inserted) added.set(row.agent_id, (added.get(row.agent_id) ?? 0) + Number(row.cost_usd))
        const spent = [...added].filter(([, usd]) => usd !== 0)
        if (spent.length > 0)
          await tx`INSERT INTO agent_spend (agent_id, spent_usd)
                   SELECT * FROM unnest(${spent.map(([id]) => id)}::text[], ${spent.map(([, usd]) => usd)}::double precision[])
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
