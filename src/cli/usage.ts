import { type Command, InvalidArgumentError } from "commander"
import { getUsage } from "../sdk/sdk.gen.ts"
import type { UsageReport, UsageTotals } from "../sdk/types.gen.ts"
import { noAgent } from "../client/agents.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import type { Output } from "../client/output.ts"
import { parseSince, SINCE_FORMS } from "../protocol/since.ts"
import { formatUsd, USAGE_GROUPS, type UsageGroupBy } from "../protocol/usage.ts"

interface UsageOptions {
  since?: string
  by: UsageGroupBy
  json?: boolean
}

function since(value: string): string {
  if (!parseSince(value)) throw new InvalidArgumentError(`--since must be ${SINCE_FORMS}`)
  return value
}

function groupBy(value: string): UsageGroupBy {
  if (!(USAGE_GROUPS as readonly string[]).includes(value)) throw new InvalidArgumentError(`--by must be one of ${USAGE_GROUPS.join(", ")}`)
  return value as UsageGroupBy
}

const count = (n: number) => n.toLocaleString("en-US")
const numbers = (t: UsageTotals) => [count(t.turns), count(t.inputTokens), count(t.outputTokens), count(t.cacheReadTokens), count(t.cacheWriteTokens), formatUsd(t.costUsd)]
const NUMBERS = ["TURNS", "INPUT", "OUTPUT", "CACHE READ", "CACHE WRITE", "COST"]

/** The report as a table, numbers right-aligned, a total row last; or JSON. */
export function printUsage(io: Output, report: UsageReport, options: { json?: boolean }): void {
  if (options.json) return io.printJson(report)
  if (report.groups.length === 0) return io.note(report.since ? `no turn recorded a spend since ${report.since}` : "no turn recorded a spend yet")
  const byAgent = report.by === "agent"
  const label = (g: UsageReport["groups"][number]) => (byAgent ? [g.name ?? g.key, g.harness ?? "-"] : [g.key || "-"])
  const header = [...(byAgent ? ["AGENT", "HARNESS"] : [report.by.toUpperCase()]), ...NUMBERS]
  const rows = [...report.groups.map((g) => [...label(g), ...numbers(g)]), [...(byAgent ? ["total", ""] : ["total"]), ...numbers(report.total)]]
  const first = header.length - NUMBERS.length
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const right = (cells: string[]) => cells.map((cell, i) => (i >= first ? cell.padStart(widths[i]!) : cell))
  io.printTable(right(header), rows.map(right))
}

async function usage(io: Output, ref: string | undefined, options: UsageOptions, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const query = { agent: ref, since: options.since, by: options.by }
  const report = unwrap(connection, await getUsage({ client: connection.client, query }), ref === undefined ? {} : { notFound: noAgent(ref) })
  printUsage(io, report, options)
}

export function registerUsage(program: Command, io: Output): void {
  program
    .command("usage")
    .argument("[agent]", "only this agent (id or name)")
    .description("tokens and cost of the agents' turns, as their harnesses reported them, with a total")
    .option("--since <when>", `only turns that ended since then: ${SINCE_FORMS}`, since)
    .option("--by <what>", `group by ${USAGE_GROUPS.join(", ")} (days are UTC days)`, groupBy, "agent")
    .option("--json", "print JSON: the groups, the total, every token count")
    .addHelpText(
      "after",
      `
Each turn's input, output and cached tokens and its cost are recorded at its end, from what the
harness reported (Claude Code's result, opencode's message tokens and cost, Pi's usage). A
harness on a free or local model reports no cost. Budgets: iterate agents set A --budget-usd N.

Examples:
  iterate usage
  iterate usage --since 7d --by model
  iterate usage app --by day --since 2026-05-01
  iterate usage --json | jq .total.costUsd`,
    )
    .action((ref, options, command) => usage(io, ref, options, command))
}
