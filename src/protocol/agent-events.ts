// The vocabulary of an agent's stream, shared by the daemon (the adapter writes it) and renderers
// (the CLI, the web page, ACP). Import-free, so the CLI client path and the browser can load it.
//
//   iterate:agent:action:prompt:called      {text, model?}      a renderer asks for a turn
//   iterate:agent:action:abort:called       {}                  a renderer asks to stop the turn
//   iterate:agent:action:permission-reply:called  {id, decision, message?, by?}
//       answers the permission request `id`: allow (this once), always (this tool from now on, for
//       this agent), deny (with `message` told to the model); `by` is "policy" when the agent's
//       permission policy answered rather than a person
//   iterate:agent:status:changed            {status, prompt?, error?, aborted?}
//       busy: the adapter handed the prompt at offset `prompt` to the harness (also when the
//       agent was busy already: the harness folds it into the running turn); idle: the turn of
//       `prompt` is over (`aborted` when an abort ended it); error: it failed, `error` says why
//   iterate:agent:permission:requested      {id, tool, kind, summary, request}
//       the harness wants to use a tool and waits for a permission-reply with the same `id`;
//       `request` is the harness's own request, verbatim
//   iterate:agent:permission:withdrawn      {id, reason}
//       the harness stopped waiting for a reply to `id` without one: its turn ended, or the
//       request was answered in the harness's own UI, or the harness asked the same again as a new id
//   iterate:agent:harness:<name>:event-received   the harness's own event, unchanged, as payload
//   iterate:agent:harness:<name>:crashed    {pid?, reason, restartInMs?, logFile}
//   iterate:agent:error:occurred            {message, action?}  the adapter could not carry out an action
//   iterate:agent:archive:changed           {archived}   `agents rm` archived the agent (it runs
//       nowhere; its stream stays, searchable), or `agents restore` brought it back
//   iterate:agent:usage:recorded            {prompt, model?, inputTokens, outputTokens, cacheReadTokens,
//       cacheWriteTokens, reasoningTokens, costUsd}   the ledger: what a turn's harness reported it
//       spent on one model, appended with the turn's end (one per model the turn used)
//
// An agent's files (src/agents/work), the same for every harness:
//   iterate:agent:worktree:created          {root, path, branch, base, baseCommit}  made with --worktree
//   iterate:agent:worktree:script:started   {script, command}   iterate.json's setup or archive command runs
//   iterate:agent:worktree:script:output    {script, text}      what it printed (stdout and stderr, in order)
//   iterate:agent:worktree:script:ended     {script, exitCode, durationMs}
//   iterate:agent:worktree:merged           {branch, base, commit, squash, fastForward, files}
//   iterate:agent:worktree:pushed           {branch, remote, pr?}
//   iterate:agent:worktree:removed          {path, branch, final?}  before the worktree and its branch go
//   iterate:agent:files:reverted            {turn, prompt, files, backup}
//       the agent's files were put back as they were when turn `turn` (its prompt at offset
//       `prompt`) started; `backup` is the ref that keeps what they were before
//
// Events `iterate import` wrote (a session a person ran in the harness directly) carry
// metadata {imported: true, at}: `at` is when their turn started. They are history: the adapter
// carries out none of their actions.

export const AGENT_EVENT = {
  prompt: "iterate:agent:action:prompt:called",
  abort: "iterate:agent:action:abort:called",
  permissionReply: "iterate:agent:action:permission-reply:called",
  status: "iterate:agent:status:changed",
  permissionRequested: "iterate:agent:permission:requested",
  permissionWithdrawn: "iterate:agent:permission:withdrawn",
  error: "iterate:agent:error:occurred",
  archive: "iterate:agent:archive:changed",
  worktreeCreated: "iterate:agent:worktree:created",
  scriptStarted: "iterate:agent:worktree:script:started",
  scriptOutput: "iterate:agent:worktree:script:output",
  scriptEnded: "iterate:agent:worktree:script:ended",
  merged: "iterate:agent:worktree:merged",
  pushed: "iterate:agent:worktree:pushed",
  worktreeRemoved: "iterate:agent:worktree:removed",
  reverted: "iterate:agent:files:reverted",
  usage: "iterate:agent:usage:recorded",
} as const

export const HARNESS_EVENT = /^iterate:agent:harness:([a-z0-9-]+):event-received$/
export const HARNESS_CRASH = /^iterate:agent:harness:([a-z0-9-]+):crashed$/

export const harnessEventType = (harness: string) => `iterate:agent:harness:${harness}:event-received`
export const harnessCrashType = (harness: string) => `iterate:agent:harness:${harness}:crashed`

/**
 * The status of a turn on the stream. An agent as listed is also `waiting` while a permission
 * request of its running turn has no reply: that is derived, never appended as a status event.
 */
export type TurnStatus = "idle" | "busy" | "error"
export type AgentStatus = TurnStatus | "waiting"

export interface PromptPayload {
  text: string
  /** provider/model for this turn; the agent's model otherwise */
  model?: string
}

export interface ArchivePayload {
  archived: boolean
}

export interface StatusPayload {
  status: TurnStatus
  /** offset of the prompt action whose turn this is (the latest, when prompts were folded into one turn) */
  prompt?: string
  error?: string
  aborted?: boolean
}

export interface ErrorPayload {
  message: string
  /** offset of the action that failed */
  action?: string
}

export interface CrashPayload {
  pid?: number
  reason: string
  /** when the harness is started again; absent when it was given up on until the next prompt */
  restartInMs?: number
  logFile: string
}

/** A turn's spend on one model, as its harness reported it: zeros for what it did not report. */
export interface UsageRecordedPayload {
  /** offset of the turn's prompt action (its latest, when prompts were folded into one turn) */
  prompt: string
  /** the model as the harness names it; absent when it named none and the agent has none */
  model?: string
  inputTokens: number
  outputTokens: number
  cacheReadTokens: number
  cacheWriteTokens: number
  reasoningTokens: number
  /** US dollars */
  costUsd: number
}

/** What a tool call does, for the policies: `allow-edits` allows `edit` without asking. */
export type PermissionKind = "edit" | "command" | "read" | "question" | "other"

export interface PermissionRequestedPayload {
  /** iterate's id for the request (`perm_…`): what `permit` and the reply name */
  id: string
  /** the harness's name for the tool, e.g. `write`, `Bash`, `edit` */
  tool: string
  kind: PermissionKind
  /** one line for a person: "write src/app.ts", "run `npm test`" */
  summary: string
  /** the harness's own request, verbatim */
  request: unknown
}

export interface PermissionWithdrawnPayload {
  id: string
  /** one line: why nobody needs to answer it any more */
  reason: string
}

export type PermissionDecision = "allow" | "always" | "deny"

export interface PermissionReplyPayload {
  id: string
  decision: PermissionDecision
  /** for deny: what the model is told */
  message?: string
  /** "policy" when the agent's policy answered on its own */
  by?: "policy" | "user"
}

/**
 * How an agent answers its harness's permission requests before anyone is asked: `ask` (the
 * default) asks every time, `allow-edits` allows file edits and asks for the rest, `allow-all`
 * allows everything, `deny` refuses everything. `always` answers add the tool to the agent's
 * allowed tools, whatever the policy.
 */
export const PERMISSION_POLICIES = ["ask", "allow-edits", "allow-all", "deny"] as const
export type PermissionPolicy = (typeof PERMISSION_POLICIES)[number]

export interface WorktreeCreatedPayload {
  /** the checkout it was made from */
  root: string
  path: string
  branch: string
  /** the branch the checkout was on, or the --base REF */
  base: string
  baseCommit: string
}

/** iterate.json's worktree commands: setup before the first turn, archive before the worktree is removed. */
export type WorktreeScript = "setup" | "archive"

export interface ScriptStartedPayload {
  script: WorktreeScript
  command: string
}

export interface ScriptOutputPayload {
  script: WorktreeScript
  text: string
}

export interface ScriptEndedPayload {
  script: WorktreeScript
  /** null when it could not be started */
  exitCode: number | null
  durationMs: number
}

export interface MergedPayload {
  branch: string
  base: string
  /** the commit the base branch is at now */
  commit: string
  squash: boolean
  /** the base branch moved forward to the agent's branch (no merge commit) */
  fastForward: boolean
  /** how many files the merge changed in the checkout */
  files: number
}

export interface PushedPayload {
  branch: string
  remote: string
  /** the pull request opened for it */
  pr?: string
}

export interface WorktreeRemovedPayload {
  path: string
  branch: string
  /** the ref that keeps the worktree's last state */
  final?: string
}

export interface RevertedPayload {
  /** 1 for the agent's first turn */
  turn: number
  /** offset of the prompt that started that turn */
  prompt: string
  /** what changed on disk */
  files: Array<{ path: string; status: "added" | "deleted" | "modified" }>
  /** the ref that keeps the files as they were before the revert */
  backup: string
}
