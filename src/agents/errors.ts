// The refusals of the agents layer, by code; the HTTP layer maps each code to a status
// (src/server/routes/agents.ts).

export type AgentErrorCode =
  | "agent_not_found"
  | "invalid_agent"
  | "name_taken"
  | "harness_unavailable"
  | "stream_missing"
  | "permission_not_found"
  | "permission_answered"
  | "elsewhere"
  | "budget_exceeded"
  // the archive (src/agents/archive): agents rm, restore, search
  | "archived"
  | "not_archived"
  | "cannot_restore"
  | "invalid_search"
  // an agent's worktree and its work (src/agents/work)
  | "not_a_repository"
  | "bare_repository"
  | "detached_head"
  | "branch_exists"
  | "invalid_branch"
  | "unknown_ref"
  | "no_worktree"
  | "no_snapshot"
  | "agent_busy"
  | "checkout_not_on_base"
  | "checkout_dirty"
  | "merge_conflict"
  | "unmerged_work"
  | "no_remote"
  | "gh_missing"
  | "push_failed"
  // sessions run outside iterate (src/agents/import.ts)
  | "invalid_import"
  | "no_sessions"
  // batches (src/agents/batch)
  | "invalid_batch"
  | "batch_not_found"
  | "batch_ended"

/** A refusal to show the client: `code` picks the HTTP status. */
export class AgentError extends Error {
  constructor(
    readonly code: AgentErrorCode,
    message: string,
  ) {
    super(message)
  }
}
