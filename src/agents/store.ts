// Where agents are kept: what an agent is, where its adapter got to in its stream, what its harness
// session resumes from, its permission policy and the requests it was asked, which harness
// processes this node started (to clean up after a daemon that died), and the sessions run outside
// iterate that were imported as agents (keyed on the harness's session id, with how far each was read). One SQLite file next to the
// streams (agents.db, SqliteAgentStore) or the PostgreSQL database the fleet shares
// (PostgresAgentStore), where each agent also records the node that holds it.
import type { HarnessResume } from "../harness/harness.ts"
import type { ArchiveIndex } from "./archive/store.ts"
import type { PermissionDecision, PermissionKind, PermissionPolicy, TurnStatus } from "../protocol/agent-events.ts"
import type { UsageLedger } from "./usage/ledger.ts"

/** An agent that works in a git worktree of its own, on its own branch (`--worktree`). */
export interface AgentWorktree {
  /** the checkout it was made from (its top-level folder): where a merge lands */
  root: string
  /** the worktree's folder, under iterate's data folder */
  path: string
  branch: string
  /** the branch the checkout was on, or the --base REF */
  base: string
  /** the commit the branch started at */
  baseCommit: string
  /**
   * the repository's worktree.setup command (iterate.json): pending until it ran (or while it
   * runs), failed when it exited with an error (the next prompt runs it again), done once it
   * succeeded, or when there is none
   */
  setup: "pending" | "failed" | "done"
}

export interface AgentRecord {
  id: string
  name: string
  harness: string
  /** absolute path of the working directory */
  directory: string
  model: string | undefined
  /** the agent's event stream */
  stream: string
  status: TurnStatus
  /** one line: why the last turn failed, while status is error */
  error: string | undefined
  createdAt: string
  /** offset of the last action the adapter handled; undefined before the first */
  consumed: string | undefined
  /** what the harness session last said it resumes from */
  resume: HarnessResume | undefined
  permissions: PermissionPolicy
  /** tools an `always` answer allowed, whatever the policy */
  allowedTools: string[]
  /** the node that holds the agent's lease (runs its harness); undefined on a single node */
  node: string | undefined
  /** that node stopped renewing the lease and no node took the agent over since */
  leaseExpired: boolean
  /** a permission request of the agent has no answer yet */
  asking: boolean
  /** when `agents rm` archived it: it runs nowhere, and its transcript stays readable and searchable */
  archivedAt: string | undefined
  /** its own worktree and branch, when it was made with one */
  worktree: AgentWorktree | undefined
  /** dollars its turns cost so far: the sum of its ledger */
  spentUsd: number
  /** its next prompt is refused once spentUsd reaches this */
  budgetUsd: number | undefined
  /** when a session run outside iterate was last imported into it (`iterate import`); undefined for an agent iterate made */
  importedAt: string | undefined
}

/**
 * pending: nobody answered yet. held: answered while no harness waited on it (its process died),
 * kept for when the harness asks the same again. answered: the answer went to the harness (or
 * lapsed). withdrawn: the harness stopped waiting without an answer.
 */
export type PermissionState = "pending" | "held" | "answered" | "withdrawn"

export interface PermissionRecord {
  id: string
  agentId: string
  tool: string
  kind: PermissionKind
  summary: string
  request: unknown
  /** tool and input: the same call asked again matches it */
  key: string
  state: PermissionState
  decision: PermissionDecision | undefined
  message: string | undefined
  createdAt: string
}

export type NewAgentRecord = Pick<AgentRecord, "id" | "name" | "harness" | "directory" | "model" | "stream" | "createdAt" | "permissions"> & {
  worktree?: AgentWorktree
  /** the node it is placed on (a shared store only) */
  node?: string
}

/** A session run outside iterate, imported as an agent: its key, and how far it was read. */
export interface ImportRecord {
  harness: string
  /** the harness's session id */
  sessionId: string
  agentId: string
  /** where it was read from: its file, or its database */
  location: string
  /** how far it was read, the harness importer's own (HarnessImporter) */
  cursor: string
  /** the agent's stream offset after the last event imported */
  offset: string
  importedAt: string
}

/** An agent made from an imported session, recorded with everything its stream already holds. */
export interface ImportedAgentRecord {
  agent: NewAgentRecord
  /** what the harness resumes the session from */
  resume: HarnessResume
  /** how its last turn ended */
  status: TurnStatus
  error?: string
  /** the offset of its last event: the adapter carries out nothing before it */
  consumed: string
  import: ImportRecord
}

export type NewPermission = Pick<PermissionRecord, "id" | "agentId" | "tool" | "kind" | "summary" | "request" | "key" | "createdAt">

export interface PermissionAnswerRecord {
  decision?: PermissionDecision
  message?: string
}

/** A permission-reply action carried out: the request's new state, and what changes with it. */
export interface SettledReply {
  permission: string
  state: PermissionState
  answer: PermissionAnswerRecord
  /** the agent's allowed tools, when an `always` answer added one */
  allowedTools?: string[]
  /** the action's offset */
  consumed: string
}

/**
 * The agents' records. Everything is async (PostgreSQL is a network away); each call is one commit.
 * With a shared store, the writes that record an adapter's progress (setProgress, setConsumed,
 * setResume, setAllowedTools, settleReply's) only apply while this node holds the agent, so a node
 * that lost it cannot move its progress back.
 */
export interface AgentStore {
  list(): Promise<AgentRecord[]>
  /** By id first, then by name. */
  find(ref: string): Promise<AgentRecord | undefined>
  /** Rejects with NameTakenError when the id or name is in use. */
  insert(agent: NewAgentRecord): Promise<AgentRecord>
  /** Deletes the agent's record, its permission requests and its part of the search index. */
  remove(id: string): Promise<void>
  /** Marks the agent archived; on a shared store its holder is fenced off and lets it go. */
  archive(id: string, at: string): Promise<void>
  /** Brings an archived agent back; on a shared store it waits for a node to take it (Fleet.restored). */
  unarchive(id: string): Promise<void>
  /** The agent's status, and with `consumed` the action it was set by, in one commit. */
  setProgress(id: string, progress: { status: TurnStatus; error?: string; consumed?: string }): Promise<void>
  setConsumed(id: string, offset: string): Promise<void>
  setResume(id: string, resume: HarnessResume): Promise<void>
  setPolicy(id: string, policy: PermissionPolicy): Promise<void>
  setAllowedTools(id: string, tools: string[]): Promise<void>
  /** The agent's worktree as it is now (its setup done or failed). */
  setWorktree(id: string, worktree: AgentWorktree): Promise<void>
  /** Harness processes this node started and has not seen exit. */
  processes(): Promise<Array<{ pid: number; harness: string }>>
  addProcess(pid: number, harness: string): Promise<void>
  removeProcess(pid: number): Promise<void>
  addPermission(permission: NewPermission): Promise<void>
  permission(id: string): Promise<PermissionRecord | undefined>
  /** The agent's requests that are pending or hold an answer, oldest first. */
  openPermissions(agentId: string): Promise<PermissionRecord[]>
  /** Every agent's pending requests, oldest first. */
  pendingPermissions(): Promise<PermissionRecord[]>
  settlePermission(id: string, state: PermissionState, answer?: PermissionAnswerRecord): Promise<void>
  /** The answer, the allowed tools and the action's offset, in one commit. */
  settleReply(agentId: string, reply: SettledReply): Promise<void>
  /** Answers held for a harness that did not ask again lapse with the turn. */
  lapseHeld(agentId: string): Promise<void>
  /** the search index of the agents' transcripts, in the same database */
  readonly index: ArchiveIndex
  /** the token ledger, running totals and budgets, in the same database */
  readonly usage: UsageLedger
  /** The sessions imported from `harness`. */
  imports(harness: string): Promise<ImportRecord[]>
  /**
   * Records agents made from imported sessions, and how far sessions imported before were read
   * now, in one commit. Per agent, false when its name, id or session was taken meanwhile: nothing
   * of that one is recorded.
   */
  recordImports(agents: ImportedAgentRecord[], moved: ImportRecord[]): Promise<boolean[]>
  close(): Promise<void>
}

/** An agent's id or name is in use already (ids and names share one namespace). */
export class NameTakenError extends Error {}

// The rows both stores keep: the same columns, JSON in text columns.
export interface AgentRow {
  id: string
  name: string
  harness: string
  directory: string
  model: string | null
  stream: string
  status: TurnStatus
  error: string | null
  created_at: string
  consumed: string | null
  resume: string | null
  permissions: PermissionPolicy
  allowed_tools: string
  node?: string | null
  lease_expired?: boolean | number | null
  asking: boolean | number
  archived_at: string | null
  /** JSON AgentWorktree */
  worktree: string | null
  spent_usd: number | null
  budget_usd: number | null
  imported_at: string | null
}

export interface PermissionRow {
  id: string
  agent_id: string
  tool: string
  kind: PermissionKind
  summary: string
  request: string
  match_key: string
  state: PermissionState
  decision: PermissionDecision | null
  message: string | null
  created_at: string
}

export const toRecord = (row: AgentRow): AgentRecord => ({
  id: row.id,
  name: row.name,
  harness: row.harness,
  directory: row.directory,
  model: row.model ?? undefined,
  stream: row.stream,
  status: row.status,
  error: row.error ?? undefined,
  createdAt: row.created_at,
  consumed: row.consumed ?? undefined,
  resume: row.resume === null ? undefined : (JSON.parse(row.resume) as HarnessResume),
  permissions: row.permissions,
  allowedTools: JSON.parse(row.allowed_tools) as string[],
  node: row.node ?? undefined,
  leaseExpired: Boolean(row.lease_expired),
  asking: Boolean(row.asking),
  archivedAt: row.archived_at ?? undefined,
  worktree: row.worktree === null ? undefined : (JSON.parse(row.worktree) as AgentWorktree),
  spentUsd: Number(row.spent_usd ?? 0),
  budgetUsd: row.budget_usd === null ? undefined : Number(row.budget_usd),
  importedAt: row.imported_at ?? undefined,
})

export interface ImportRow {
  harness: string
  session_id: string
  agent_id: string
  location: string
  cursor: string
  stream_offset: string
  imported_at: string
}

export const toImport = (row: ImportRow): ImportRecord => ({
  harness: row.harness,
  sessionId: row.session_id,
  agentId: row.agent_id,
  location: row.location,
  cursor: row.cursor,
  offset: row.stream_offset,
  importedAt: row.imported_at,
})

export const toPermission = (row: PermissionRow): PermissionRecord => ({
  id: row.id,
  agentId: row.agent_id,
  tool: row.tool,
  kind: row.kind,
  summary: row.summary,
  request: JSON.parse(row.request),
  key: row.match_key,
  state: row.state,
  decision: row.decision ?? undefined,
  message: row.message ?? undefined,
  createdAt: row.created_at,
})
