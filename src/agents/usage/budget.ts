// An agent's budget: once its turns have cost that much, its next prompt is refused (by the prompt
// route before anything is appended, and by the adapter for a prompt appended to the stream
// directly), until the budget is raised. A turn already running is never cut off.
import { formatUsd } from "../../protocol/usage.ts"
import type { AgentRecord } from "../store.ts"

/** Why the agent may not take another prompt; undefined while it is within its budget (or has none). */
export function budgetProblem(agent: Pick<AgentRecord, "name" | "spentUsd" | "budgetUsd">): string | undefined {
  const { name, spentUsd, budgetUsd } = agent
  if (budgetUsd === undefined || spentUsd < budgetUsd) return undefined
  return `agent ${name} has spent ${formatUsd(spentUsd)} of its ${formatUsd(budgetUsd)} budget; raise it to prompt it again: iterate agents set ${name} --budget-usd N`
}
