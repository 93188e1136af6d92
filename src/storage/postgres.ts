import { SQL } from "bun"
import { StoreUnavailableError } from "./unavailable.ts"
import { describePostgres, redact } from "../store-url.ts"

// The daemon's PostgreSQL connection (Bun's built-in client): how it is opened, how its URL is
// kept out of every message, which failures mean "the database is out of reach", and the
// schema migrations that several nodes may run at the same time.

// Bun's own codes for a connection that failed, dropped or timed out.
const CONNECTION_CODES = new Set([
  "ERR_POSTGRES_CONNECTION_CLOSED",
  "ERR_POSTGRES_CONNECTION_FAILED",
  "ERR_POSTGRES_CONNECTION_REFUSED",
  "ERR_POSTGRES_CONNECTION_TIMEOUT",
  "ERR_POSTGRES_IDLE_TIMEOUT",
  "ERR_POSTGRES_LIFETIME_TIMEOUT",
  "ERR_POSTGRES_TLS_NOT_AVAILABLE",
  "ERR_POSTGRES_TLS_UPGRADE_FAILED",
  "ERR_POSTGRES_COMMIT_ROLLED_BACK",
])
// SQLSTATE classes of a server that cannot do the work right now: connection exceptions (08),
// insufficient resources (53), operator intervention such as a shutdown or a statement timeout
// (57P, 57014), system errors (58), a login refused after a reconnect (28), and rollbacks a retry
// gets past (40).
const UNAVAILABLE_STATES = ["08", "53", "57P", "57014", "58", "28", "40"]

/** Whether `error` means the database is out of reach (the work was not done and may be retried). */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof SQL.PostgresError)) return false
  if (CONNECTION_CODES.has(error.code)) return true
  const state = error.errno ?? ""
  return error.code === "ERR_POSTGRES_SERVER_ERROR" && UNAVAILABLE_STATES.some((prefix) => state.startsWith(prefix))
}

/**
 * The database's own objects live in their own schema (`iterate`), so a database shared with
 * other software keeps its `public` schema to itself.
 */
export const SCHEMA = "iterate"

export interface Postgres {
  sql: SQL
  /** for logs: where the database is (describePostgres) */
  where: string
  /**
   * Runs `work`, turning an unreachable database into StoreUnavailableError (logged once per
   * outage, with the URL redacted) and passing every other error on.
   */
  guard<T>(work: () => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** Connects and proves the connection with a query, so that a node does not start on a database it cannot reach. */
export async function connectPostgres(url: string, options: { max?: number } = {}): Promise<Postgres> {
  const where = describePostgres(url)
  const sql = new SQL(url, {
    max: options.max ?? 10,
    connectionTimeout: 5,
    idleTimeout: 60,
    // A statement stuck behind a lock, or a transaction left open by a node that went silent, gives
    // up after 30 s instead of holding every append to its streams.
    connection: { application_name: "iterate", search_path: SCHEMA, statement_timeout: "30s", idle_in_transaction_session_timeout: "30s" },
  })
  let down = false
  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      const result = await work()
      if (down) console.log(`${where} is reachable again`)
      down = false
      return result
    } catch (error) {
      if (!isUnavailable(error)) throw error
      if (!down) console.error(`${where} is unreachable: ${redact((error as Error).message, url)}`)
      down = true
      throw new StoreUnavailableError()
    }
  }
  try {
    await sql`SELECT 1`
  } catch (error) {
    await sql.close().catch(() => {})
    throw error
  }
  return { sql, where, guard, close: () => sql.close({ timeout: 5 }) }
}

/** A migration: SQL run once, in order, by whichever node gets there first. */
export type Migration = string

/**
 * Brings the schema up to date. An advisory lock held for the transaction makes nodes that start
 * together take turns: the first migrates, the others find the work done.
 */
export async function migratePostgres(pg: Postgres, component: string, migrations: Migration[]): Promise<void> {
  await pg.sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext('iterate:migrations'))`
    await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`)
    await tx`CREATE TABLE IF NOT EXISTS schema_versions (component text PRIMARY KEY, version integer NOT NULL)`
    const [row] = await tx`SELECT version FROM schema_versions WHERE component = ${component}`
    const done = row ? Number(row.version) : 0
    for (let version = done + 1; version <= migrations.length; version++) await tx.unsafe(migrations[version - 1]!)
    if (migrations.length > done)
      await tx`INSERT INTO schema_versions (component, version) VALUES (${component}, ${migrations.length})
               ON CONFLICT (component) DO UPDATE SET version = excluded.version`
  })
}
