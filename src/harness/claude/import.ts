// Claude Code's own sessions made into agents (`iterate import claude`, see HarnessImporter in
// ../harness.ts). Claude Code keeps each session as `<config dir>/projects/<project>/<session id>.jsonl`
// (CLAUDE_CONFIG_DIR, ~/.claude by default), one entry a line, as Claude Code 2.1.332 writes them:
//   user {message:{content: "text" | [blocks]}, cwd, timestamp, uuid}   a prompt; with tool_result
//       blocks (and toolUseResult, Claude Code's own account of the call) a tool's result; the text
//       "[Request interrupted by user…]" after an interrupt
//   assistant {message:{id, model, content:[one block], usage}}   each finished content block of an
//       API message; an API error as a "<synthetic>" message with isApiErrorMessage
//   cost-state {totalCostUSD, modelUsage:{<model>:{inputTokens, outputTokens, costUSD …}}}   the
//       session's tokens and spend so far, per model
//   and what a conversation does not show: attachments, api-request*, queue-operation, summary …
// Entries of a subagent (isSidechain), meta and compaction entries are left out. Each turn becomes
// the stream-json lines the harness's session reports (protocol.ts) for it: `system init`, the
// `assistant` and `user` lines, and a `result` with the turn's usage and cost; its prompt becomes
// iterate's prompt action. A session resumes from its id (`claude --resume <id>`), the file's name.
import { basename, join } from "node:path"
import { type Dict, dict, list, num, str } from "../../protocol/json.ts"
import { type HarnessImporter, ImportFormatError, type ImportedSession, type ImportedTurn, ImportPathError, type ImportSource, type SessionSource, type TurnEnd } from "../harness.ts"
import { filesUnder, jsonLinesFrom, sizeOf } from "../import-files.ts"
import { isAborted, type ResultLine, resultError } from "./protocol.ts"

/** Claude Code's sessions under its config folder. */
export function claudeImporter(configDir: string): HarnessImporter {
  return { defaultPath: join(configDir, "projects"), open: openClaude }
}

const SESSION_FILE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.jsonl$/

async function openClaude(path: string): Promise<ImportSource> {
  // The projects folder, one project's folder, or a session's file (whatever its name).
  const files = filesUnder(path, ["*.jsonl", "*/*.jsonl"])
  const sessions: SessionSource[] = (files.length === 1 && files[0] === path ? files : files.filter((f) => SESSION_FILE.test(basename(f)))).map((file) => ({
    sessionId: basename(file, ".jsonl"),
    location: file,
  }))
  if (sessions.length === 0) throw new ImportPathError(`no Claude Code sessions in ${path}`)
  return { sessions, read: readClaude, close: () => {} }
}

interface Cursor {
  /** bytes of the file read */
  offset: number
  /** the session's figures per model at the last cost-state read */
  cost?: Spend
}

// The entries read; Claude Code writes compact JSON, and the lines it writes for itself (attachments,
// API requests with the whole system prompt) are most of a file's bytes.
const ENTRIES = /"type":"(?:user|assistant|cost-state)"/

async function readClaude(session: SessionSource, cursorText: string | undefined): Promise<ImportedSession> {
  const cursor: Cursor = cursorText ? (JSON.parse(cursorText) as Cursor) : { offset: 0 }
  const resume = { sessionId: session.sessionId }
  // Nothing written since: not even opened.
  if (sizeOf(session.location) <= cursor.offset) return { resume, turns: [], cursor: JSON.stringify(cursor) }
  const { values, lines, end } = await jsonLinesFrom(session.location, cursor.offset, ENTRIES)
  // A file with lines, none of them a conversation's, is not a session file.
  if (cursor.offset === 0 && lines > 0 && !values.some((v) => typeof dict(v)?.sessionId === "string"))
    throw new ImportFormatError(`${session.location} holds no Claude Code session entries`)
  const read = claudeTurns(values, session.sessionId, cursor.cost)
  return { resume, ...read, cursor: JSON.stringify({ offset: end, ...(read.cost && { cost: read.cost }) } satisfies Cursor) }
}

export interface ClaudeTurns {
  turns: ImportedTurn[]
  directory?: string
  startedAt?: string
  /** the figures per model at the last cost-state */
  cost?: Spend
}

interface Turn {
  at: string
  prompt?: string
  events: unknown[]
  /** usage of each API message, by its id */
  usage: Map<string, Dict>
  aborted: boolean
  apiError?: string
  lastText?: string
  /** the session's spend at the turn's cost-state, if one came */
  cost?: { total?: number; models: Spend }
}

/** Session entries (parsed lines) as turns. `cost` is the session's figures per model before them (for those of the first turn). */
export function claudeTurns(entries: unknown[], sessionId: string, cost?: Spend): ClaudeTurns {
  const turns: ImportedTurn[] = []
  const seen = new Set<string>()
  let directory: string | undefined
  let startedAt: string | undefined
  let spent = cost
  let current: Turn | undefined

  const close = () => {
    if (!current) return
    const { turn, spend } = finish(current, sessionId, spent)
    turns.push(turn)
    spent = spend ?? spent
    current = undefined
  }
  const open = (entry: Dict, prompt?: string): Turn => {
    const at = str(entry.timestamp) ?? startedAt ?? new Date(0).toISOString()
    const init = { type: "system", subtype: "init", session_id: sessionId, cwd: str(entry.cwd) ?? directory }
    return { at, ...(prompt !== undefined && { prompt }), events: [init], usage: new Map(), aborted: false }
  }

  for (const value of entries) {
    const entry = dict(value)
    if (!entry) continue
    directory ??= str(entry.cwd)
    if (entry.type === "cost-state") {
      if (current) current.cost = { total: num(entry.totalCostUSD), models: costs(entry) }
      continue
    }
    if ((entry.type !== "user" && entry.type !== "assistant") || entry.isSidechain || entry.isMeta || entry.isCompactSummary || entry.isVisibleInTranscriptOnly) continue
    const uuid = str(entry.uuid)
    if (uuid) {
      if (seen.has(uuid)) continue
      seen.add(uuid)
    }
    startedAt ??= str(entry.timestamp)
    const message = dict(entry.message) ?? {}
    const line = { message, parent_tool_use_id: null, session_id: sessionId, ...(uuid && { uuid }), ...(str(entry.timestamp) && { timestamp: entry.timestamp }) }
    if (entry.type === "assistant") {
      current ??= open(entry)
      const api = entry.isApiErrorMessage === true || message.model === "<synthetic>"
      current.events.push({ type: "assistant", ...line, ...(api && { is_api_error_message: true }) })
      const text = list(message.content)
        .map((c) => str(dict(c)?.text) ?? "")
        .join("")
      if (api) current.apiError = text || "the model API failed"
      else {
        if (text) current.lastText = text
        const usage = dict(message.usage)
        if (usage && str(message.id)) current.usage.set(message.id as string, usage)
      }
      continue
    }
    const content = message.content
    if (list(content).some((c) => dict(c)?.type === "tool_result")) {
      current ??= open(entry)
      current.events.push({ type: "user", ...line, ...(entry.toolUseResult !== undefined && { tool_use_result: entry.toolUseResult }) })
      continue
    }
    const text = promptText(content)
    if (text.startsWith("[Request interrupted by user")) {
      if (current) current.aborted = true
      continue
    }
    // What a slash command or a `!` shell line printed, not something asked of the model.
    if (text === "" || /^<(?:local-command-|command-|bash-)/.test(text)) continue
    close()
    current = open(entry, text)
  }
  close()
  return { turns, ...(directory && { directory }), ...(startedAt && { startedAt }), ...(spent && { cost: spent }) }
}

function promptText(content: unknown): string {
  if (typeof content === "string") return content.trim()
  return list(content)
    .map((block) => {
      const b = dict(block)
      return b?.type === "text" ? (str(b.text) ?? "") : b?.type === "image" ? "[image]" : ""
    })
    .filter(Boolean)
    .join("\n")
    .trim()
}

/** The figures claude keeps per model (cost-state's modelUsage, a result's model_usage_since_last_result). */
type Spend = Record<string, Record<string, number>>

const FIGURES = ["inputTokens", "outputTokens", "thinkingTokens", "cacheReadInputTokens", "cacheCreationInputTokens", "costUSD"]

function costs(entry: Dict): Spend {
  const models: Spend = {}
  for (const [model, usage] of Object.entries(dict(entry.modelUsage) ?? {}))
    models[model] = Object.fromEntries(FIGURES.map((key) => [key, num(dict(usage)?.[key]) ?? 0]))
  return models
}

/** The turn with its `result` line, as claude ends a turn, and the spend it leaves the session at. */
function finish(turn: Turn, sessionId: string, before: Spend | undefined): { turn: ImportedTurn; spend?: Spend } {
  const usage = { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 }
  for (const u of turn.usage.values()) for (const key of Object.keys(usage) as Array<keyof typeof usage>) usage[key] += num(u[key]) ?? 0
  // This turn's figures per model: how much the session's grew (a new process may start them over).
  const since: Spend = {}
  for (const [model, now] of Object.entries(turn.cost?.models ?? {})) {
    const was = before?.[model] ?? {}
    const restarted = FIGURES.some((key) => (now[key] ?? 0) < (was[key] ?? 0))
    since[model] = Object.fromEntries(FIGURES.map((key) => [key, restarted ? (now[key] ?? 0) : (now[key] ?? 0) - (was[key] ?? 0)]))
  }
  const result: ResultLine & Record<string, unknown> = {
    type: "result",
    subtype: turn.aborted ? "error_during_execution" : "success",
    is_error: turn.aborted || turn.apiError !== undefined,
    terminal_reason: turn.aborted ? "aborted_streaming" : turn.apiError !== undefined ? "api_error" : "completed",
    ...((turn.apiError ?? turn.lastText) !== undefined && { result: turn.apiError ?? turn.lastText }),
    session_id: sessionId,
    usage,
    ...(turn.cost?.total !== undefined && { total_cost_usd: turn.cost.total }),
    ...(turn.cost && { model_usage_since_last_result: since }),
  }
  const error = resultError(result)
  const end: TurnEnd = error ? { status: "error", error } : { status: "idle", ...(isAborted(result) && { aborted: true }) }
  const imported: ImportedTurn = { at: turn.at, ...(turn.prompt !== undefined && { prompt: turn.prompt }), events: [...turn.events, result], end }
  return { turn: imported, ...(turn.cost && { spend: turn.cost.models }) }
}
