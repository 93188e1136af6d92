// Codex's own sessions made into agents (`iterate import codex`, see HarnessImporter in
// ../harness.ts). Codex keeps each thread as a rollout, `$CODEX_HOME/sessions/YYYY/MM/DD/
// rollout-<time>-<thread id>.jsonl` (~/.codex by default), one line a record
// {timestamp, type, payload}, as Codex 0.169.0 writes them:
//   session_meta {id, cwd, timestamp, cli_version, model_provider}   the thread, first
//   event_msg task_started {turn_id}                 a turn starts
//   event_msg item_completed {turn_id, item}         a finished item, in Codex's core shapes:
//       UserMessage (the prompt), AgentMessage, Reasoning, CommandExecution, FileChange …
//   event_msg token_count {info:{total_token_usage, last_token_usage}}   after each model call
//   event_msg task_complete {turn_id, error?}        the turn is over (failed, with an error)
//   event_msg turn_aborted {turn_id}                 it was interrupted
//   response_item …                                  what the model was sent and said; of these
//       only update_plan calls are read (the plan has no item of its own)
// Each becomes the app-server notification the harness's session appends for it (protocol.ts):
// thread/started, turn/started, item/completed with the item in the app-server's shape,
// thread/tokenUsage/updated, turn/plan/updated, turn/completed. A thread resumes from its id
// (`thread/resume`), the end of the file's name.
import { basename, join } from "node:path"
import { fileURLToPath } from "node:url"
import { type Dict, dict, list, num, str } from "../../protocol/json.ts"
import { type HarnessImporter, ImportFormatError, type ImportedSession, type ImportedTurn, ImportPathError, type ImportSource, type SessionSource, type TurnEnd } from "../harness.ts"
import { filesUnder, jsonLinesFrom, sizeOf } from "../import-files.ts"
import { type CodexEvent, NOTIFICATION } from "./protocol.ts"
import { errorText } from "./transcript.ts"

/** Codex's rollouts under its home folder. */
export function codexImporter(codexHome: string): HarnessImporter {
  return { defaultPath: join(codexHome, "sessions"), open: openCodex }
}

const ROLLOUT = /^rollout-.*-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/

async function openCodex(path: string): Promise<ImportSource> {
  const files = filesUnder(path, ["**/rollout-*.jsonl"])
  const sessions: SessionSource[] = []
  for (const file of files) {
    const named = ROLLOUT.exec(basename(file))?.[1]
    // A rollout copied under another name says its thread in its first line.
    const id = named ?? (files.length === 1 ? await firstThreadId(file) : undefined)
    if (id) sessions.push({ sessionId: id, location: file })
    else if (files.length === 1) throw new ImportPathError(`no Codex sessions in ${path}: it is not a rollout (its first line is no session_meta)`)
  }
  if (sessions.length === 0) throw new ImportPathError(`no Codex sessions in ${path}`)
  return { sessions, read: readCodex, close: () => {} }
}

async function firstThreadId(file: string): Promise<string | undefined> {
  const first = (await Bun.file(file).slice(0, 64 * 1024).text()).split("\n")[0]
  try {
    const line = dict(JSON.parse(first ?? ""))
    return line?.type === "session_meta" ? str(dict(line.payload)?.id) : undefined
  } catch {
    return undefined
  }
}

interface Cursor {
  /** bytes of the rollout read */
  offset: number
  /** the turn the last read ended inside of: the lines after it go on with it */
  turn?: string
}

async function readCodex(session: SessionSource, cursorText: string | undefined): Promise<ImportedSession> {
  const cursor: Cursor = cursorText ? (JSON.parse(cursorText) as Cursor) : { offset: 0 }
  const resume = { threadId: session.sessionId }
  if (sizeOf(session.location) <= cursor.offset) return { resume, turns: [], cursor: JSON.stringify(cursor) }
  const { values, end } = await jsonLinesFrom(session.location, cursor.offset)
  const read = codexTurns(values, session.sessionId, { file: session.location, whole: cursor.offset === 0, turn: cursor.turn })
  return { resume, ...read, cursor: JSON.stringify({ offset: end, ...(read.open && { turn: read.open }) } satisfies Cursor) }
}

export interface CodexTurns {
  turns: ImportedTurn[]
  directory?: string
  startedAt?: string
  /** the turn the lines ended inside of */
  open?: string
}

interface Turn {
  id: string
  at: string
  prompt?: string
  events: CodexEvent[]
  end?: TurnEnd
}

/**
 * Rollout lines (parsed) as turns. `turn` is the turn an earlier read ended inside of; with `whole`
 * the lines are the whole file, and one that is not a rollout is refused (ImportFormatError).
 */
export function codexTurns(lines: unknown[], threadId: string, options: { file?: string; whole?: boolean; turn?: string } = {}): CodexTurns {
  const where = options.file ?? threadId
  const turns: ImportedTurn[] = []
  let directory: string | undefined
  let startedAt: string | undefined
  let thread: CodexEvent | undefined
  let current: Turn | undefined
  // Older rollouts have no items: their messages are read from the events that carried them.
  const items = lines.some((line) => dict(dict(line)?.payload)?.type === "item_completed")
  const notify = (method: string, params: Dict): CodexEvent => ({ method, params: { threadId, ...params } })

  const close = () => {
    if (!current) return
    turns.push({ at: current.at, ...(current.prompt !== undefined && { prompt: current.prompt }), events: current.events, end: current.end ?? { status: "idle" } })
    current = undefined
  }
  const open = (id: string, at: string): Turn => {
    close()
    const events = thread ? [thread] : []
    thread = undefined
    return (current = { id, at, events })
  }
  /** The turn a line belongs to: the running one, or the one an earlier read ended in. */
  const running = (id: string | undefined, at: string): Turn => current ?? open(id ?? options.turn ?? "", at)
  const item = (turn: Turn, it: Dict) => turn.events.push(notify(NOTIFICATION.itemCompleted, { turnId: turn.id, item: it }))
  const asked = (turn: Turn, text: string) => (turn.prompt = turn.prompt === undefined ? text : `${turn.prompt}\n\n${text}`)

  lines.forEach((value, index) => {
    const line = dict(value)
    if (!line || typeof line.type !== "string" || (options.whole && index === 0 && line.type !== "session_meta"))
      throw new ImportFormatError(index === 0 && options.whole ? `${where} is not a Codex rollout (its first line is no session_meta)` : `${where}: line ${index + 1} is not a Codex rollout line`)
    const payload = dict(line.payload) ?? {}
    const at = str(line.timestamp) ?? startedAt ?? new Date(0).toISOString()
    if (line.type === "session_meta") {
      directory ??= str(payload.cwd)
      startedAt ??= str(payload.timestamp) ?? str(line.timestamp)
      const createdAt = startedAt ? Math.floor(Date.parse(startedAt) / 1000) : undefined
      thread = notify(NOTIFICATION.threadStarted, {
        thread: { id: str(payload.id) ?? threadId, cwd: directory, path: options.file, modelProvider: payload.model_provider, cliVersion: payload.cli_version, createdAt, turns: [] },
      })
      delete thread.params.threadId
      return
    }
    if (line.type === "response_item") {
      if (payload.type === "function_call" && payload.name === "update_plan") plan(running(undefined, at), str(payload.arguments), notify)
      return
    }
    if (line.type !== "event_msg") return
    const turnId = str(payload.turn_id)
    switch (payload.type) {
      case "task_started":
      case "turn_started":
        open(turnId ?? `turn:${index}`, at).events.push(notify(NOTIFICATION.turnStarted, { turn: { id: current!.id, items: [], status: "inProgress", error: null } }))
        return
      case "item_completed": {
        const turn = running(turnId, at)
        const it = threadItem(dict(payload.item) ?? {})
        if (!it) return
        if (it.type === "userMessage") asked(turn, list(it.content).map((c) => str(dict(c)?.text) ?? "").join("\n"))
        item(turn, it)
        return
      }
      case "token_count": {
        const info = dict(payload.info)
        if (!info) return
        const turn = running(turnId, at)
        turn.events.push(notify(NOTIFICATION.tokenUsage, { turnId: turn.id, tokenUsage: { total: usage(info.total_token_usage), last: usage(info.last_token_usage), modelContextWindow: num(info.model_context_window) ?? null } }))
        return
      }
      case "error": {
        const turn = running(turnId, at)
        const error = { message: str(payload.message) ?? "the turn failed" }
        turn.events.push(notify(NOTIFICATION.error, { turnId: turn.id, error, willRetry: false }))
        turn.end = { status: "error", error: errorText(error) }
        return
      }
      case "task_complete":
      case "turn_complete":
      case "turn_aborted": {
        const turn = running(turnId, at)
        const aborted = payload.type === "turn_aborted"
        const error = dict(payload.error)
        const failed = !aborted && (error !== undefined || turn.end?.status === "error")
        const status = aborted ? "interrupted" : failed ? "failed" : "completed"
        const turnError = error ? { message: str(error.message) ?? "the turn failed" } : failed ? { message: turn.end!.error! } : null
        turn.events.push(notify(NOTIFICATION.turnCompleted, { turn: { id: turn.id, items: [], status, error: turnError } }))
        turn.end = aborted ? { status: "idle", aborted: true } : failed ? { status: "error", error: errorText(turnError) } : { status: "idle" }
        close()
        return
      }
    }
    // Rollouts of a Codex from before items were written.
    if (items || !["user_message", "agent_message", "agent_reasoning"].includes(str(payload.type) ?? "")) return
    const turn = running(turnId, at)
    const id = `${payload.type}:${index}`
    if (payload.type === "user_message") {
      asked(turn, str(payload.message) ?? "")
      item(turn, { type: "userMessage", id, content: [{ type: "text", text: str(payload.message) ?? "", text_elements: [] }] })
    } else if (payload.type === "agent_message") item(turn, { type: "agentMessage", id, text: str(payload.message) ?? "" })
    else if (payload.type === "agent_reasoning") item(turn, { type: "reasoning", id, summary: [str(payload.text) ?? ""], content: [] })
  })
  const openTurn = current?.end === undefined ? current?.id : undefined
  close()
  return { turns, ...(directory && { directory }), ...(startedAt && { startedAt }), ...(openTurn && { open: openTurn }) }
}

const camel = (text: string) => text.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())

/** Token counts in the app-server's words. */
function usage(value: unknown): Dict | null {
  const u = dict(value)
  if (!u) return null
  return {
    totalTokens: num(u.total_tokens) ?? 0,
    inputTokens: num(u.input_tokens) ?? 0,
    cachedInputTokens: num(u.cached_input_tokens) ?? 0,
    outputTokens: num(u.output_tokens) ?? 0,
    reasoningOutputTokens: num(u.reasoning_output_tokens) ?? 0,
  }
}

/** An update_plan call as the notification the app-server makes of it. */
function plan(turn: Turn, args: string | undefined, notify: (method: string, params: Dict) => CodexEvent): void {
  let parsed: Dict | undefined
  try {
    parsed = dict(JSON.parse(args ?? ""))
  } catch {
    return
  }
  const steps = list(parsed?.plan).map((s) => ({ step: str(dict(s)?.step) ?? "", status: camel(str(dict(s)?.status) ?? "pending") }))
  turn.events.push(notify(NOTIFICATION.planUpdated, { turnId: turn.id, explanation: str(parsed?.explanation) ?? null, plan: steps }))
}

const SAFE_WORD = /^[\w/.,:=@%+-]+$/
const quote = (word: string) => (SAFE_WORD.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`)

function path(value: unknown): string | undefined {
  const text = str(value)
  if (!text?.startsWith("file://")) return text
  try {
    return fileURLToPath(text)
  } catch {
    return text
  }
}

const ACTION_TYPES: Record<string, string> = { read: "read", list_files: "listFiles", search: "search" }

/** An item of Codex's core, as the app-server gives it (protocol.ts ThreadItem); undefined for one iterate shows nothing of. */
export function threadItem(item: Dict): Dict | undefined {
  const id = str(item.id) ?? ""
  const status = camel(str(item.status) ?? "completed")
  const texts = (content: unknown) => list(content).map((c) => str(dict(c)?.text) ?? "")
  switch (item.type) {
    case "UserMessage":
      return { type: "userMessage", id, content: texts(item.content).map((text) => ({ type: "text", text, text_elements: [] })) }
    case "AgentMessage":
      return { type: "agentMessage", id, text: texts(item.content).join("") }
    case "Reasoning":
      return { type: "reasoning", id, summary: list(item.summary_text).map((s) => str(s) ?? ""), content: list(item.raw_content).map((s) => str(s) ?? str(dict(s)?.text) ?? "") }
    case "CommandExecution": {
      const argv = list(item.command).map((w) => str(w) ?? "")
      const actions = list(item.parsed_cmd).map((a) => {
        const action = dict(a) ?? {}
        const type = ACTION_TYPES[str(action.type) ?? ""] ?? "unknown"
        return { type, command: str(action.cmd) ?? "", ...(type === "read" && { name: action.name, path: action.path }), ...(type === "listFiles" && { path: action.path ?? null }), ...(type === "search" && { query: action.query ?? null, path: action.path ?? null }) }
      })
      const duration = dict(item.duration)
      return {
        type: "commandExecution",
        id,
        command: argv.length ? argv.map(quote).join(" ") : (str(item.command) ?? ""),
        cwd: path(item.cwd) ?? "",
        processId: str(item.process_id) ?? null,
        status,
        commandActions: actions,
        aggregatedOutput: str(item.aggregated_output) ?? null,
        exitCode: num(item.exit_code) ?? null,
        durationMs: duration ? Math.round((num(duration.secs) ?? 0) * 1000 + (num(duration.nanos) ?? 0) / 1e6) : null,
      }
    }
    case "FileChange":
      return {
        type: "fileChange",
        id,
        changes: Object.entries(dict(item.changes) ?? {}).map(([file, value]) => {
          const change = dict(value) ?? {}
          const kind = str(change.type) ?? "update"
          return { path: file, kind: kind === "update" ? { type: "update", move_path: str(change.move_path) ?? null } : { type: kind }, diff: str(change.unified_diff) ?? str(change.content) ?? "" }
        }),
        status,
      }
    case "McpToolCall": {
      const error = item.error
      return {
        type: "mcpToolCall",
        id,
        server: str(item.server) ?? "mcp",
        tool: str(item.tool) ?? "tool",
        status,
        arguments: item.arguments ?? null,
        result: dict(item.result) ?? null,
        error: error ? { message: str(dict(error)?.message) ?? String(error) } : null,
      }
    }
    case "WebSearch":
      return { type: "webSearch", id, query: str(item.query) ?? "" }
  }
  return undefined
}
