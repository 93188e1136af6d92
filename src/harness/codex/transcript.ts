// Codex app-server messages folded into the transcript (see src/transcript). Pure and import-free
// of runtime code: the CLI and the browser run it. What codex sends is described in protocol.ts;
// each native event is one of its notifications (or requests) as the session appended it:
//   thread/started                       → the thread's directory, which paths are shown relative to
//   item/started, item/completed         → a part per item: agent messages (text), reasoning,
//                                          commands (tool `shell`, with their output), file changes
//                                          (tool `apply_patch`, and a file-edit part with the diff
//                                          of each file once applied), MCP and other tool calls
//   item/agentMessage/delta              → streamed text
//   item/reasoning/*Delta                → streamed reasoning, a part per summary (or content) index
//   item/commandExecution/outputDelta    → a running command's output
//   turn/plan/updated                    → the plan, as a tool part `update_plan` whose input holds
//                                          the steps as todos ({ content, status } with pending,
//                                          in_progress or completed), the shape of opencode's and
//                                          Claude Code's todo tools; replaced by each update
//   thread/tokenUsage/updated            → the usage of each model call (its `last`), added up
//                                          per message; input tokens are counted without the
//                                          cached ones, which are cacheReadTokens
//   error, turn/completed                → a retry note while codex retries; the turn's error; the
//                                          calls the turn's end cut short fail
// A turn's output is one assistant message, but for what comes after a prompt folded into the
// running turn (turn/steer): a new message after that prompt. The user's own messages are left
// out: the prompt is iterate's own action.
import { type Dict, dict, num, str } from "../../protocol/json.ts"
import type { Draft } from "../../transcript/build.ts"
import { countChanges, unifiedDiff } from "../../transcript/diff.ts"
import type { ToolPart, ToolStatus, Usage } from "../../transcript/types.ts"
import { type CommandAction, type FileUpdateChange, type ItemStatus, NOTIFICATION, type PlanStep, type ThreadItem, type TokenUsageBreakdown, type Turn, type TurnError } from "./protocol.ts"


interface State {
  cwd?: string
  /** item (or plan) → the message its parts are in */
  parts: Map<string, string>
  /** tool parts still running → their message */
  running: Map<string, string>
  /** the message output of the running turn goes to */
  current?: { turn: string; message: string }
  messages: number
  /** the thread's token total at the last usage update, so a repeated one counts once */
  total?: number
}

function state(draft: Draft): State {
  return ((draft.state.codex as State | undefined) ??= { parts: new Map(), running: new Map(), messages: 0 })
}

/** The message the turn's output goes to now: the turn's latest, unless something came after it. */
function turnMessage(draft: Draft, s: State, turn: string): string {
  const current = s.current
  if (current?.turn === turn && draft.transcript.messages.at(-1)?.id === current.message) return current.message
  const message = `codex:${turn}:${++s.messages}`
  draft.assistant(message)
  s.current = { turn, message }
  if (draft.transcript.error) draft.setTurnError(undefined)
  return message
}

/** The message of `key` (an item, a plan): where it was put first. */
function messageOf(draft: Draft, s: State, key: string, turn: string): string {
  let message = s.parts.get(key)
  if (!message || !draft.message(message)) s.parts.set(key, (message = turnMessage(draft, s, turn)))
  return message
}

export function foldCodex(draft: Draft, native: unknown): void {
  const event = dict(native)
  const params = dict(event?.params)
  if (!event || !params || event.id !== undefined) return
  const s = state(draft)
  const turn = str(params.turnId)
  switch (event.method) {
    case NOTIFICATION.threadStarted:
      s.cwd = str(dict(params.thread)?.cwd) ?? s.cwd
      return
    case NOTIFICATION.itemStarted:
    case NOTIFICATION.itemCompleted: {
      const item = dict(params.item) as ThreadItem | undefined
      if (item && turn) foldItem(draft, s, item, turn, event.method === NOTIFICATION.itemCompleted)
      return
    }
    case NOTIFICATION.agentMessageDelta:
      return delta(draft, s, params, (item) => item, "text")
    case NOTIFICATION.reasoningSummaryDelta:
      return delta(draft, s, params, (item) => `${item}:summary:${num(params.summaryIndex) ?? 0}`, "reasoning")
    case NOTIFICATION.reasoningTextDelta:
      return delta(draft, s, params, (item) => `${item}:content:${num(params.contentIndex) ?? 0}`, "reasoning")
    case NOTIFICATION.commandOutputDelta: {
      const item = str(params.itemId)
      const message = item && s.parts.get(item)
      const part = message ? draft.part<"tool">(message, item) : undefined
      if (part && str(params.delta)) draft.patchPart(message!, item!, { output: (part.output ?? "") + params.delta })
      return
    }
    case NOTIFICATION.planUpdated:
      if (turn) foldPlan(draft, s, turn, Array.isArray(params.plan) ? (params.plan as PlanStep[]) : [], str(params.explanation))
      return
    case NOTIFICATION.tokenUsage:
      if (turn) foldUsage(draft, s, turn, dict(params.tokenUsage))
      return
    case NOTIFICATION.error: {
      const error = dict(params.error) as TurnError | undefined
      if (!error?.message) return
      if (params.willRetry) draft.setTurnError(`${errorText(error)}; retrying`)
      else draft.error(errorText(error))
      return
    }
    case NOTIFICATION.turnCompleted: {
      const done = dict(params.turn) as Turn | undefined
      if (done?.status === "failed") draft.error(errorText(done.error))
      else if (draft.transcript.error) draft.setTurnError(undefined)
      // A call cut short (an interrupt while it waited for approval or ran) gets no item/completed.
      for (const [item, message] of s.running) draft.patchPart(message, item, { status: "error", error: done?.status === "interrupted" ? "interrupted" : "the turn ended before it finished" })
      s.running.clear()
      return
    }
  }
}

function delta(draft: Draft, s: State, params: Dict, part: (item: string) => string, kind: "text" | "reasoning"): void {
  const item = str(params.itemId)
  const turn = str(params.turnId)
  const text = str(params.delta)
  if (!item || !turn || !text) return
  draft.appendText(messageOf(draft, s, item, turn), part(item), kind, text)
}

function foldItem(draft: Draft, s: State, item: ThreadItem, turn: string, done: boolean): void {
  switch (item.type) {
    case "agentMessage":
      if (item.text) draft.setText(messageOf(draft, s, item.id, turn), item.id, "text", item.text)
      return
    case "plan":
      if (item.text) draft.setText(messageOf(draft, s, item.id, turn), item.id, "text", item.text)
      return
    case "reasoning": {
      const message = messageOf(draft, s, item.id, turn)
      item.summary.forEach((text, i) => text && draft.setText(message, `${item.id}:summary:${i}`, "reasoning", text))
      item.content.forEach((text, i) => text && draft.setText(message, `${item.id}:content:${i}`, "reasoning", text))
      return
    }
    case "commandExecution": {
      const message = messageOf(draft, s, item.id, turn)
      const command = shellScript(item.command)
      const existing = draft.part<"tool">(message, item.id)
      const output = item.aggregatedOutput ?? existing?.output
      const status = toolStatus(item.status, item.exitCode)
      const error = status === "error" ? (item.status === "declined" ? "declined" : item.exitCode !== null ? `exit code ${item.exitCode}` : "failed") : undefined
      putTool(draft, s, message, {
        kind: "tool",
        id: item.id,
        tool: "shell",
        title: firstLine(command),
        input: { command, ...(item.cwd && item.cwd !== s.cwd && { cwd: item.cwd }) },
        status,
        ...(output && { output }),
        ...(error && { error }),
      })
      return
    }
    case "fileChange": {
      const message = messageOf(draft, s, item.id, turn)
      const status = toolStatus(item.status, null)
      const title = item.changes.map((c) => shortPath(c.path, s.cwd)).join(", ")
      putTool(draft, s, message, {
        kind: "tool",
        id: item.id,
        tool: "apply_patch",
        title,
        input: { changes: item.changes },
        status,
        ...(status === "completed" && { output: patchSummary(item.changes, s.cwd) }),
        ...(status === "error" && { error: item.status === "declined" ? "declined" : "the patch did not apply" }),
      })
      if (done && item.status === "completed")
        item.changes.forEach((change, i) => draft.putPart(message, { kind: "file-edit", id: `${item.id}:${i}`, toolPartId: item.id, ...fileEdit(change, s.cwd) }))
      return
    }
    case "mcpToolCall": {
      const status = item.status === "completed" ? "completed" : item.status === "failed" ? "error" : "running"
      const output = item.result ? contentText(item.result.content) : undefined
      const message = messageOf(draft, s, item.id, turn)
      putTool(draft, s, message, {
        kind: "tool",
        id: item.id,
        tool: `${item.server}.${item.tool}`,
        input: item.arguments,
        status,
        ...(output && { output }),
        ...(item.error && { error: item.error.message }),
      })
      return
    }
    case "dynamicToolCall": {
      const status = item.status === "completed" ? (item.success === false ? "error" : "completed") : item.status === "failed" ? "error" : "running"
      const output = item.contentItems ? contentText(item.contentItems) : undefined
      putTool(draft, s, messageOf(draft, s, item.id, turn), { kind: "tool", id: item.id, tool: item.tool, input: item.arguments, status, ...(output && { output }) })
      return
    }
    case "webSearch":
      putTool(draft, s, messageOf(draft, s, item.id, turn), { kind: "tool", id: item.id, tool: "web_search", title: item.query, input: { query: item.query }, status: done ? "completed" : "running" })
      return
    case "imageView":
      putTool(draft, s, messageOf(draft, s, item.id, turn), { kind: "tool", id: item.id, tool: "view_image", title: shortPath(item.path, s.cwd), input: { path: item.path }, status: done ? "completed" : "running" })
      return
  }
}

/** Puts a tool part, keeping track of the ones still running. */
function putTool(draft: Draft, s: State, message: string, part: ToolPart): void {
  draft.putPart(message, part)
  if (part.status === "running" || part.status === "pending") s.running.set(part.id, message)
  else s.running.delete(part.id)
}

function toolStatus(status: ItemStatus, exitCode: number | null): ToolStatus {
  if (status === "inProgress") return "running"
  if (status === "completed") return exitCode === null || exitCode === 0 ? "completed" : "error"
  return "error"
}

/** A change as a unified diff: codex sends an added or deleted file's content, and an update's hunks. */
function fileEdit(change: FileUpdateChange, cwd: string | undefined) {
  const path = shortPath(change.path, cwd)
  if (change.kind.type === "add") return { path, ...unifiedDiff(path, "", change.diff) }
  if (change.kind.type === "delete") {
    const { diff, additions, deletions } = unifiedDiff(path, change.diff, "")
    return { path, diff: diff.replace(/^\+\+\+ .*$/m, "+++ /dev/null"), additions, deletions }
  }
  const to = change.kind.move_path ? shortPath(change.kind.move_path, cwd) : path
  const side = (prefix: string, p: string) => (p.startsWith("/") ? p : `${prefix}/${p}`)
  const diff = change.diff.startsWith("---") ? change.diff : `--- ${side("a", path)}\n+++ ${side("b", to)}\n${change.diff}`
  return { path: to, diff: diff.endsWith("\n") ? diff : `${diff}\n`, ...countChanges(change.diff) }
}

const PLAN_STATUS: Record<string, string> = { pending: "pending", inProgress: "in_progress", completed: "completed" }

function foldPlan(draft: Draft, s: State, turn: string, plan: PlanStep[], explanation: string | undefined): void {
  const id = `plan:${turn}`
  const todos = plan.map((step) => ({ content: step.step, status: PLAN_STATUS[step.status] ?? "pending" }))
  const done = todos.filter((t) => t.status === "completed").length
  draft.putPart(messageOf(draft, s, id, turn), {
    kind: "tool",
    id,
    tool: "update_plan",
    title: `${done} of ${todos.length} steps done`,
    input: { ...(explanation && { explanation }), todos },
    status: "completed",
  })
}

function foldUsage(draft: Draft, s: State, turn: string, tokenUsage: Dict | undefined): void {
  const last = dict(tokenUsage?.last) as TokenUsageBreakdown | undefined
  const total = num(dict(tokenUsage?.total)?.totalTokens)
  if (!last || total === undefined || total === s.total) return
  s.total = total
  const cached = last.cachedInputTokens ?? 0
  const usage: Usage = {
    inputTokens: last.inputTokens - cached,
    outputTokens: last.outputTokens,
    ...(last.reasoningOutputTokens && { reasoningTokens: last.reasoningOutputTokens }),
    ...(cached && { cacheReadTokens: cached }),
  }
  const message = draft.message(turnMessage(draft, s, turn))!
  draft.updateMessage(message.id, { usage: add(message.usage, usage) })
}

function add(a: Usage | undefined, b: Usage): Usage {
  if (!a) return b
  const sum: Usage = {}
  for (const key of Object.keys({ ...a, ...b }) as Array<keyof Usage>) sum[key] = (a[key] ?? 0) + (b[key] ?? 0)
  return sum
}

/** The text of MCP content blocks. */
function contentText(content: unknown[]): string {
  return content
    .map((c) => str(dict(c)?.text) ?? "")
    .filter(Boolean)
    .join("\n")
}

const firstLine = (text: string) => text.trim().split("\n")[0] ?? text

/**
 * A turn's error in one line. When the model API refused a request, codex passes its body on as
 * the message: the API's own message in it is what says why.
 */
export function errorText(error: TurnError | null | undefined): string {
  const message = error?.message?.trim()
  if (!message) return "the turn failed"
  try {
    const said = (JSON.parse(message) as { error?: { message?: unknown } }).error?.message
    if (typeof said === "string" && said) return firstLine(said)
  } catch {
    // not JSON: codex's own words
  }
  return firstLine(message)
}

// ---- the words for commands and patches, the permission requests' too (permissions.ts)

/**
 * The script of a command Codex runs through a shell, else the command: codex shows it joined as
 * a shell would quote it, `/bin/bash -lc 'npm test'`, in double quotes when it holds a single one,
 * and unquoted when it is one word.
 */
export function shellScript(command: string): string {
  const shell = /^(?:\S*\/)?(?:ba|z|da)?sh -l?c (.*)$/s.exec(command)?.[1]
  if (shell === undefined) return command
  const single = /^'((?:[^']|'\\'')*)'$/s.exec(shell)
  if (single) return single[1]!.replaceAll(`'\\''`, "'")
  const double = /^"((?:[^"\\]|\\.)*)"$/s.exec(shell)
  if (double) return double[1]!.replace(/\\([\\"$`])/g, "$1")
  // A script of one word needs no quotes.
  return /^[^\s'"\\]+$/.test(shell) ? shell : command
}

/** A command that only reads (codex's own reading of it: cat, ls, grep and the like). */
export const onlyReads = (actions: CommandAction[] | null | undefined) => !!actions?.length && actions.every((a) => a.type !== "unknown")

/** A path below `cwd` relative to it; any other as it is. */
export function shortPath(path: string, cwd: string | undefined): string {
  if (!cwd) return path
  const base = cwd.endsWith("/") ? cwd : `${cwd}/`
  return path.startsWith(base) ? path.slice(base.length) : path
}

/** One line for what a patch does: "write hello.txt", "edit src/a.ts", "edit a.ts, b.ts". */
export function patchSummary(changes: FileUpdateChange[], cwd: string | undefined): string {
  if (changes.length === 1) {
    const [change] = changes
    const verb = change!.kind.type === "add" ? "write" : change!.kind.type === "delete" ? "delete" : "edit"
    return `${verb} ${shortPath(change!.path, cwd)}`
  }
  return `edit ${changes.map((c) => shortPath(c.path, cwd)).join(", ")}`
}
