// opencode's own sessions made into agents (`iterate import opencode`, see HarnessImporter in
// ../harness.ts). opencode 1.18 keeps them in SQLite, `opencode.db` in its data folder
// ($XDG_DATA_HOME/opencode, ~/.local/share/opencode by default): a row per session (its id,
// directory, parent for a subagent's), per message (`data` the message's JSON, without its id) and
// per part (the same for parts), each with the times it was created and last updated. Each message
// becomes the `message.updated` event opencode publishes for it, each part its
// `message.part.updated` (events.ts), and an assistant message's error its `session.error`; a
// user message's text is the prompt of a turn, the assistant messages answering it (parentID) its
// output. A session resumes from its id. Subagents' sessions are left out: their task's part in
// the parent session shows what they did.
import { Database } from "bun:sqlite"
import { statSync } from "node:fs"
import { join } from "node:path"
import { type Dict, dict, str } from "../../protocol/json.ts"
import { type HarnessImporter, ImportFormatError, type ImportedSession, type ImportedTurn, ImportPathError, type ImportSource, type SessionSource, type TurnEnd } from "../harness.ts"

/** opencode's sessions under its data folder. */
export function opencodeImporter(dataDir: string): HarnessImporter {
  return { defaultPath: dataDir, open: openOpencode }
}

const DATABASE = "opencode.db"

async function openOpencode(path: string): Promise<ImportSource> {
  let file = path
  try {
    if (statSync(path).isDirectory()) file = join(path, DATABASE)
    statSync(file)
  } catch {
    throw new ImportPathError(path === file ? `no such file or folder: ${path}` : `no opencode sessions in ${path}: it holds no ${DATABASE}`)
  }
  let db: Database
  let sessions: SessionSource[]
  try {
    db = new Database(file, { readonly: true })
    sessions = db
      .query<{ id: string }, []>("SELECT id FROM session WHERE parent_id IS NULL ORDER BY time_created, id")
      .all()
      .map((row) => ({ sessionId: row.id, location: file }))
  } catch (error) {
    throw new ImportPathError(`no opencode sessions in ${path}: ${file} is not opencode's database (${(error as Error).message})`)
  }
  if (sessions.length === 0) {
    db.close()
    throw new ImportPathError(`no opencode sessions in ${path}`)
  }
  return { sessions, read: (session, cursor) => readOpencode(db, session, cursor), close: () => db.close() }
}

interface Cursor {
  /** the latest time_updated of a message or part read */
  updated: number
  /** the newest user message read: a prompt already imported */
  user?: string
}

export interface Row {
  id: string
  time_created: number
  time_updated: number
  data: string
}

export interface PartRow extends Row {
  message_id: string
}

async function readOpencode(db: Database, session: SessionSource, cursorText: string | undefined): Promise<ImportedSession> {
  const cursor: Cursor = cursorText ? (JSON.parse(cursorText) as Cursor) : { updated: -1 }
  const id = session.sessionId
  const row = db.query<{ directory: string; time_created: number }, [string]>("SELECT directory, time_created FROM session WHERE id = ?").get(id)
  const messages = db.query<Row, [string, number]>("SELECT id, time_created, time_updated, data FROM message WHERE session_id = ? AND time_updated > ? ORDER BY time_created, id").all(id, cursor.updated)
  const parts = db
    .query<PartRow, [string, number]>("SELECT id, message_id, time_created, time_updated, data FROM part WHERE session_id = ? AND time_updated > ? ORDER BY time_created, id")
    .all(id, cursor.updated)
  const read = opencodeTurns(id, messages, parts, cursor.user)
  const updated = Math.max(cursor.updated, ...messages.map((m) => m.time_updated), ...parts.map((p) => p.time_updated))
  const user = read.user ?? cursor.user
  return {
    resume: { sessionId: id },
    ...(row && { directory: row.directory, startedAt: new Date(row.time_created).toISOString() }),
    turns: read.turns,
    cursor: JSON.stringify({ updated, ...(user && { user }) } satisfies Cursor),
  }
}

function parse(row: Row, sessionId: string): Dict {
  try {
    const data = dict(JSON.parse(row.data))
    if (data) return data
  } catch {
    // refused below
  }
  throw new ImportFormatError(`opencode session ${sessionId}: ${row.id} holds no JSON object`)
}

interface Turn {
  at: number
  prompt?: string
  events: unknown[]
  end: TurnEnd
}

/**
 * A session's messages and parts (those updated since the last read) as turns. A user message
 * after `user` (ids grow with time) asks a new turn; the rest goes on with the turn of the
 * message it answers.
 */
export function opencodeTurns(sessionID: string, messages: Row[], parts: PartRow[], user?: string): { turns: ImportedTurn[]; user?: string } {
  const partsOf = new Map<string, PartRow[]>()
  for (const part of parts) partsOf.set(part.message_id, [...(partsOf.get(part.message_id) ?? []), part])
  const turns = new Map<string, Turn>()
  const order: Turn[] = []
  let newest = user
  const turnOf = (key: string, at: number): Turn => {
    let turn = turns.get(key)
    if (!turn) {
      turns.set(key, (turn = { at, events: [], end: { status: "idle" } }))
      order.push(turn)
    }
    return turn
  }
  const events = (message: Row, info: Dict): unknown[] => [
    { type: "message.updated", properties: { sessionID, info: { ...info, id: message.id, sessionID } } },
    ...(partsOf.get(message.id) ?? []).map((part) => ({
      type: "message.part.updated",
      properties: { sessionID, part: { ...parse(part, sessionID), id: part.id, messageID: message.id, sessionID }, time: part.time_updated },
    })),
  ]
  const seen = new Set<string>()
  for (const message of messages) {
    seen.add(message.id)
    const info = parse(message, sessionID)
    if (info.role === "user") {
      const fresh = user === undefined || message.id > user
      const turn = turnOf(message.id, message.time_created)
      if (fresh) {
        turn.prompt = promptText(partsOf.get(message.id) ?? [], sessionID)
        if (newest === undefined || message.id > newest) newest = message.id
      }
      turn.events.push(...events(message, info))
      continue
    }
    const turn = turnOf(str(info.parentID) ?? message.id, message.time_created)
    turn.events.push(...events(message, info))
    const error = dict(info.error)
    if (!error) continue
    if (error.name === "MessageAbortedError") turn.end = { status: "idle", aborted: true }
    else {
      turn.events.push({ type: "session.error", properties: { sessionID, error } })
      const said = str(dict(error.data)?.message) ?? str(error.name) ?? "the turn failed"
      turn.end = { status: "error", error: said.split("\n")[0]! }
    }
  }
  // Parts of messages not updated themselves since the last read: with the turn they were read in before.
  for (const [messageId, rows] of partsOf) {
    if (seen.has(messageId)) continue
    const turn = turnOf(`part:${messageId}`, rows[0]!.time_created)
    for (const part of rows) turn.events.push({ type: "message.part.updated", properties: { sessionID, part: { ...parse(part, sessionID), id: part.id, messageID: messageId, sessionID }, time: part.time_updated } })
  }
  const imported = order
    .filter((turn) => turn.prompt !== undefined || turn.events.length > 0)
    .sort((a, b) => a.at - b.at)
    .map((turn): ImportedTurn => ({ at: new Date(turn.at).toISOString(), ...(turn.prompt !== undefined && { prompt: turn.prompt }), events: turn.events, end: turn.end }))
  return { turns: imported, ...(newest && { user: newest }) }
}

/** What the person typed: the message's text parts, without those opencode added itself. */
function promptText(parts: PartRow[], sessionId: string): string {
  return parts
    .map((row) => parse(row, sessionId))
    .filter((part) => part.type === "text" && !part.synthetic)
    .map((part) => str(part.text) ?? "")
    .join("\n")
    .trim()
}
