// Agents as every client names and makes them: by id or name, with one line when there is none.
import { resolve } from "node:path"
import type { Connection } from "./connect.ts"
import { unwrap } from "./connection.ts"
import { createAgent, getAgent } from "../sdk/sdk.gen.ts"
import type { Agent, AgentInput } from "../sdk/types.gen.ts"

export const noAgent = (ref: string) => `no agent named ${ref} (see: iterate agents)`

/** The agent an id or name refers to; one line naming it and pointing at `iterate agents` when there is none. */
export async function agentFor(connection: Connection, ref: string): Promise<Agent> {
  return unwrap(connection, await getAgent({ client: connection.client, path: { agent: ref } }), { notFound: noAgent(ref) })
}

/** The create route's body, with a directory that may be relative and permissions as typed. */
export type NewAgentOptions = Omit<AgentInput, "directory" | "harness" | "permissions"> & { harness: string; dir: string; permissions?: string }

// A --worktree given where it cannot work (no repository, a branch that exists …) is a usage error.
const WORKTREE_USAGE = ["not_a_repository", "bare_repository", "detached_head", "branch_exists", "invalid_branch", "unknown_ref"]

export async function newAgent(connection: Connection, options: NewAgentOptions): Promise<Agent> {
  // Picked one by one: a command's parsed options hold more than the route takes.
  const { harness, name, model, node, worktree, branch, base, nameFrom, budgetUsd } = options
  const permissions = options.permissions as AgentInput["permissions"]
  const body = { harness, directory: resolve(options.dir), name, model, permissions, node, worktree, branch, base, nameFrom, budgetUsd }
  return unwrap(connection, await createAgent({ client: connection.client, body }), { usage: WORKTREE_USAGE })
}
