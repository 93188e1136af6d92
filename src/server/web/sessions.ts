// Browser sessions of the web UI. A browser logs in with a one-time code (minted through the API
// by `iterate web`, which holds the token) or the server password, and gets a random session id
// in an HttpOnly cookie; the daemon token itself never goes to a browser. Sessions live in web.db
// in the data folder (only a hash of each id), so they outlast a daemon restart and
// `iterate web --revoke` ends all of them; login codes live in memory for at most two minutes.
import type { Database, Statement } from "bun:sqlite"
import { createHash, randomBytes } from "node:crypto"
import { openDatabase } from "../../storage/sqlite.ts"

export const CODE_TTL_MAX_S = 120
/** a session ends after a week without use, and a month after login whatever happens */
const IDLE_MS = 7 * 24 * 3600_000
const MAX_AGE_MS = 30 * 24 * 3600_000
/** how stale last use may get before it is written again (one write a minute, not one a request) */
const TOUCH_MS = 60_000

const hash = (secret: string) => createHash("sha256").update(secret).digest("base64url")
const secret = () => randomBytes(32).toString("base64url")

interface Code {
  next: string
  expiresAt: number
}

interface Row {
  created_at: number
  last_used: number
}

export interface Session {
  id: string
  /** when the cookie should expire (the idle limit from now, capped by the maximum age) */
  expiresAt: number
}

export class WebSessions {
  readonly #db: Database
  readonly #codes = new Map<string, Code>()
  readonly #q: {
    get: Statement<Row, [string]>
    insert: Statement<unknown, [string, number, number]>
    touch: Statement<unknown, [string, number]>
    remove: Statement<unknown, [string]>
    removeAll: Statement<unknown, []>
    expire: Statement<unknown, [number, number]>
  }

  constructor(file: string) {
    this.#db = openDatabase(file)
    this.#db.exec(`CREATE TABLE IF NOT EXISTS web_sessions (
      id_hash   TEXT PRIMARY KEY,
      created_at INTEGER NOT NULL,
      last_used  INTEGER NOT NULL
    )`)
    this.#q = {
      get: this.#db.query("SELECT created_at, last_used FROM web_sessions WHERE id_hash = ?"),
      insert: this.#db.query("INSERT INTO web_sessions (id_hash, created_at, last_used) VALUES (?1, ?2, ?3)"),
      touch: this.#db.query("UPDATE web_sessions SET last_used = ?2 WHERE id_hash = ?1"),
      remove: this.#db.query("DELETE FROM web_sessions WHERE id_hash = ?"),
      removeAll: this.#db.query("DELETE FROM web_sessions"),
      expire: this.#db.query("DELETE FROM web_sessions WHERE last_used < ?1 OR created_at < ?2"),
    }
  }

  /** A single-use login code valid for `ttlSeconds`; `next` is where the browser lands after it. */
  mintCode(next: string, ttlSeconds = CODE_TTL_MAX_S): { code: string; expiresAt: number } {
    const now = Date.now()
    for (const [key, code] of this.#codes) if (code.expiresAt <= now) this.#codes.delete(key)
    const code = secret()
    const expiresAt = now + Math.min(ttlSeconds, CODE_TTL_MAX_S) * 1000
    this.#codes.set(hash(code), { next, expiresAt })
    return { code, expiresAt }
  }

  /** Uses up the code: a session and where to go, or undefined when the code is unknown, used or expired. */
  redeem(code: string): { session: Session; next: string } | undefined {
    const key = hash(code)
    const found = this.#codes.get(key)
    this.#codes.delete(key)
    if (!found || found.expiresAt <= Date.now()) return undefined
    return { session: this.create(), next: found.next }
  }

  create(): Session {
    const id = secret()
    const now = Date.now()
    this.#q.insert.run(hash(id), now, now)
    return { id, expiresAt: now + IDLE_MS }
  }

  /** The session for a cookie's id, renewed; undefined (and forgotten) when it expired or was revoked. */
  check(id: string): Session | undefined {
    const key = hash(id)
    const row = this.#q.get.get(key)
    if (!row) return undefined
    const now = Date.now()
    if (now - row.last_used > IDLE_MS || now - row.created_at > MAX_AGE_MS) {
      this.#q.remove.run(key)
      return undefined
    }
    if (now - row.last_used > TOUCH_MS) this.#q.touch.run(key, now)
    return { id, expiresAt: Math.min(now + IDLE_MS, row.created_at + MAX_AGE_MS) }
  }

  end(id: string): void {
    this.#q.remove.run(hash(id))
  }

  /** Ends every session (and forgets unused codes); returns how many sessions there were. */
  revokeAll(): number {
    const now = Date.now()
    this.#q.expire.run(now - IDLE_MS, now - MAX_AGE_MS)
    this.#codes.clear()
    return this.#q.removeAll.run().changes
  }

  close(): void {
    this.#db.close()
  }
}
