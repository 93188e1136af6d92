// What iterate uses of `codex app-server`'s protocol, as Codex 0.169.0 declares it
// (`codex app-server generate-ts`): JSON-RPC 2.0 messages, one per line on stdio, without the
// "jsonrpc" member on the wire. The client sends requests (an id and a method) and notifications;
// the server answers, notifies (no id), and sends requests of its own (approvals), which the client
// answers with the same id. Only the fields iterate reads are declared; the rest pass through.
// Pure types and names: the transcript reducer and renderers may import this.

export type RequestId = string | number

/** A line from the server: a response, a notification, or a request of its own. */
export interface ServerMessage {
  id?: RequestId
  method?: string
  params?: Record<string, unknown>
  result?: unknown
  error?: { code: number; message: string; data?: unknown }
}

/** A server notification or request as the adapter appends it: the message as codex sent it. */
export interface CodexEvent {
  method: string
  params: Record<string, unknown>
  /** set on a request the server waits for an answer to */
  id?: RequestId
}

// ---- requests iterate sends

export type AskForApproval = "untrusted" | "on-request" | "never"
export type SandboxMode = "read-only" | "workspace-write" | "danger-full-access"

export interface InitializeParams {
  clientInfo: { name: string; title: string | null; version: string }
  capabilities: { experimentalApi: boolean; requestAttestation: boolean }
}

export interface ThreadStartParams {
  cwd: string
  model?: string
  approvalPolicy: AskForApproval
  sandbox: SandboxMode
}

export interface ThreadResumeParams extends ThreadStartParams {
  threadId: string
  /** the thread's history is not sent back: iterate's stream has it */
  excludeTurns: boolean
}

export interface ThreadResponse {
  thread: { id: string; path: string | null; cwd: string }
  model: string
}

export interface TextInput {
  type: "text"
  text: string
  text_elements: []
}

export interface TurnStartParams {
  threadId: string
  input: TextInput[]
  /** for this turn and the ones after it */
  model?: string
}

export interface TurnSteerParams {
  threadId: string
  input: TextInput[]
  expectedTurnId: string
}

export interface TurnInterruptParams {
  threadId: string
  turnId: string
}

export interface Turn {
  id: string
  status: "completed" | "interrupted" | "failed" | "inProgress"
  error: TurnError | null
}

export interface TurnError {
  message: string
  additionalDetails?: string | null
}

// ---- what the server sends

export const NOTIFICATION = {
  threadStarted: "thread/started",
  threadClosed: "thread/closed",
  turnStarted: "turn/started",
  turnCompleted: "turn/completed",
  planUpdated: "turn/plan/updated",
  itemStarted: "item/started",
  itemCompleted: "item/completed",
  agentMessageDelta: "item/agentMessage/delta",
  reasoningSummaryDelta: "item/reasoning/summaryTextDelta",
  reasoningTextDelta: "item/reasoning/textDelta",
  commandOutputDelta: "item/commandExecution/outputDelta",
  tokenUsage: "thread/tokenUsage/updated",
  error: "error",
  requestResolved: "serverRequest/resolved",
} as const

export const SERVER_REQUEST = {
  commandApproval: "item/commandExecution/requestApproval",
  fileChangeApproval: "item/fileChange/requestApproval",
} as const

export type CommandApprovalDecision = "accept" | "acceptForSession" | "decline" | "cancel"

export interface CommandApprovalParams {
  threadId: string
  turnId: string
  itemId: string
  kind?: string
  reason?: string | null
  command?: string | null
  cwd?: string | null
  commandActions?: CommandAction[] | null
  /** what codex offers to answer; absent from older servers, which take every decision */
  availableDecisions?: unknown[] | null
}

export type CommandAction =
  | { type: "read"; command: string; name: string; path: string }
  | { type: "listFiles"; command: string; path: string | null }
  | { type: "search"; command: string; query: string | null; path: string | null }
  | { type: "unknown"; command: string }

export interface FileUpdateChange {
  path: string
  kind: { type: "add" } | { type: "delete" } | { type: "update"; move_path: string | null }
  /** an added file's content, a deleted file's content, or an update's unified diff hunks */
  diff: string
}

export type ItemStatus = "inProgress" | "completed" | "failed" | "declined"

export type ThreadItem =
  | { type: "userMessage"; id: string }
  | { type: "agentMessage"; id: string; text: string }
  | { type: "reasoning"; id: string; summary: string[]; content: string[] }
  | { type: "plan"; id: string; text: string }
  | {
      type: "commandExecution"
      id: string
      command: string
      cwd: string
      status: ItemStatus
      commandActions: CommandAction[]
      aggregatedOutput: string | null
      exitCode: number | null
    }
  | { type: "fileChange"; id: string; changes: FileUpdateChange[]; status: ItemStatus }
  | { type: "mcpToolCall"; id: string; server: string; tool: string; status: string; arguments: unknown; result: { content: unknown[] } | null; error: { message: string } | null }
  | { type: "dynamicToolCall"; id: string; tool: string; arguments: unknown; status: string; contentItems: unknown[] | null; success: boolean | null }
  | { type: "webSearch"; id: string; query: string }
  | { type: "imageView"; id: string; path: string }
  | { type: "contextCompaction"; id: string }

export interface PlanStep {
  step: string
  status: "pending" | "inProgress" | "completed"
}

export interface TokenUsageBreakdown {
  totalTokens: number
  inputTokens: number
  cachedInputTokens: number
  outputTokens: number
  reasoningOutputTokens: number
}

/** The thread a server message is about, when it names one. */
export function threadOf(message: { params?: Record<string, unknown> }): string | undefined {
  const params = message.params
  if (!params) return undefined
  if (typeof params.threadId === "string") return params.threadId
  const thread = params.thread as { id?: unknown } | undefined
  return typeof thread?.id === "string" ? thread.id : undefined
}
