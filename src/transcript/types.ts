// One transcript shape for every harness: what the CLI, the web page and ACP render. Built by
// folding an agent's stream (build.ts) with the harness's own reducer for its native events
// (src/harness/<name>/transcript.ts). Pure data: no Bun or Node APIs anywhere in src/transcript,
// so the browser runs the same code.
import type { AgentStatus, PermissionDecision, PermissionKind } from "../protocol/agent-events.ts"

export interface Transcript {
  harness: string
  /** oldest first; a user message per prompt action, assistant messages as the harness reports them */
  messages: Message[]
  /** idle, busy, waiting (a permission request of the running turn has no reply), error */
  status: AgentStatus
  /** why the last turn failed, while status is error */
  error?: string
  /** permission requests without a reply (or withdrawal), oldest first */
  pending: PermissionPart[]
  /** totals over all messages */
  usage: Usage
  /** the agent's todo list as its newest todo tool call (or plan update) left it; empty when it keeps none */
  todos: Todo[]
  /** offset of the last event folded: a renderer that reconnects reads on from here */
  offset?: string
  /** bumped by every change, for renderers that redraw on change */
  revision: number
}

export interface Message {
  id: string
  /** iterate: what iterate itself did with the agent's files (its worktree, setup, a merge …), one activity part each */
  role: "user" | "assistant" | "iterate"
  /** replaced (never mutated) when one of them changes, like the message itself */
  parts: Part[]
  /** offset of the stream event that started it */
  offset: string
  createdAt?: string
  model?: string
  usage?: Usage
  /** an abort ended the turn this message belongs to */
  aborted?: boolean
}

export type Part = TextPart | ReasoningPart | ToolPart | FileEditPart | PermissionPart | ErrorPart | ActivityPart

export interface TextPart {
  kind: "text"
  id: string
  text: string
}

export interface ReasoningPart {
  kind: "reasoning"
  id: string
  text: string
}

export type ToolStatus = "pending" | "running" | "completed" | "error"

export interface ToolPart {
  kind: "tool"
  id: string
  /** the harness's name for the tool: `write`, `Bash`, `edit` … */
  tool: string
  /** one line saying what the call does or did: "hello.txt", "npm test" */
  title?: string
  input?: unknown
  status: ToolStatus
  output?: string
  error?: string
}

/** A file a tool changed, right after that tool's part. */
export interface FileEditPart {
  kind: "file-edit"
  id: string
  /** the tool part that made the change */
  toolPartId?: string
  path: string
  /** unified diff (`--- a/…`, `+++ b/…`, `@@` hunks) */
  diff: string
  additions: number
  deletions: number
}

export interface PermissionPart {
  kind: "permission"
  /** iterate's id for the request (`perm_…`), the one `iterate permit` takes */
  id: string
  tool: string
  permissionKind: PermissionKind
  summary: string
  /** absent while it waits for a reply */
  decision?: PermissionDecision
  by?: "policy" | "user"
  message?: string
  /** why the harness stopped waiting for a reply, when it did without one */
  withdrawn?: string
  /** offset of the request on the stream */
  offset: string
}

/** Something iterate did with the agent's files: its worktree made, a setup or archive command run, a merge, a push, a revert. */
export interface ActivityPart {
  kind: "activity"
  id: string
  activity: "worktree" | "setup" | "archive" | "merge" | "push" | "revert" | "removed"
  /** one line: "setup: bun install", "merged iterate/x into main (3 files)" */
  title: string
  /** running while a command runs; done; failed when it exited with an error */
  state: "running" | "done" | "failed"
  /** what a command printed so far (stdout and stderr as they came) */
  output?: string
  /** how it ended, or more to know: "exit 0 after 1.2 s", the files a revert changed */
  detail?: string
}

export type TodoStatus = "pending" | "in_progress" | "completed" | "cancelled"

/** One item of an agent's todo list (src/transcript/todos.ts). */
export interface Todo {
  content: string
  status: TodoStatus
  /** high, medium or low, where the harness ranks them (opencode, ACP) */
  priority?: string
  /** the item as it is being done, "Running the tests" (Claude Code) */
  activeForm?: string
}

export interface ErrorPart {
  kind: "error"
  id: string
  message: string
}

export interface Usage {
  inputTokens?: number
  outputTokens?: number
  reasoningTokens?: number
  cacheReadTokens?: number
  cacheWriteTokens?: number
  /** US dollars, when the harness reports a cost */
  costUsd?: number
}

/** An event of an agent's stream as renderers read it (the envelope of SPEC "Event envelope"). */
export interface AgentStreamEvent {
  offset: string
  type: string
  createdAt?: string
  payload?: unknown
  /** `{ imported: true, at }` on the events of a session imported from where its harness kept it */
  metadata?: Record<string, unknown>
}
