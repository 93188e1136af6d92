import { join } from "node:path"
import { PostgresAgentStore } from "../agents/postgres-store.ts"
import { SqliteAgentStore } from "../agents/sqlite-store.ts"
import type { AgentStore } from "../agents/store.ts"
import type { IndexLocation } from "../agents/archive/thread.ts"
import { PostgresBatchStore } from "../agents/batch/postgres-store.ts"
import { SqliteBatchStore } from "../agents/batch/sqlite-store.ts"
import type { BatchStore } from "../agents/batch/store.ts"
import { type Fleet, LocalFleet } from "../agents/fleet/fleet.ts"
import { nodeId } from "../agents/fleet/node.ts"
import { PostgresFleet } from "../agents/fleet/postgres.ts"
import { describePostgres, redact } from "../store-url.ts"
import { connectPostgres, type Postgres } from "../storage/postgres.ts"
import { PostgresStreamStore } from "../streams/postgres/store.ts"
import { SqliteStreamStore, type StreamStore } from "../streams/store.ts"
import { PostgresSubscriptionTable } from "../streams/subscriptions/postgres-records.ts"
import { SqliteSubscriptionTable, type SubscriptionTable } from "../streams/subscriptions/records.ts"

/** Everything a node keeps in its store: SQLite files in the data folder, or one PostgreSQL database. */
export interface Stores {
  streams: StreamStore
  subscriptions: SubscriptionTable
  agents: AgentStore
  /** batches of tasks and where each task got to, beside the agents */
  batches: BatchStore
  /** which node runs which agent: this one alone on SQLite */
  fleet: Fleet
  /** for the log: where the store is, without credentials */
  where: string
  /** where the search indexer's thread opens the store again */
  index: IndexLocation
  close(): Promise<void>
}

export interface StoreOptions {
  /** how long a node's lease on an agent lasts without renewal (PostgreSQL only) */
  leaseTtlMs?: number
}

export const DEFAULT_LEASE_TTL_MS = 15_000

/**
 * Opens the store: a `postgres://` URL (several nodes may share it; the schema is migrated here),
 * else SQLite in `dataDir`. Throws, with the URL's password left out, when PostgreSQL cannot be reached.
 * The node's id is kept in `dataDir` either way.
 */
export async function openStores(dataDir: string, url: string | undefined, options: StoreOptions = {}): Promise<Stores> {
  const node = nodeId(dataDir)
  if (url === undefined) {
    const streams = new SqliteStreamStore(join(dataDir, "streams.db"))
    const agents = new SqliteAgentStore(join(dataDir, "agents.db"))
    const batches = new SqliteBatchStore(join(dataDir, "agents.db"))
    return {
      streams,
      subscriptions: new SqliteSubscriptionTable(join(dataDir, "subscriptions.db")),
      agents,
      batches,
      fleet: new LocalFleet(node, agents),
      where: `SQLite in ${dataDir}`,
      index: { kind: "sqlite", streams: join(dataDir, "streams.db"), agents: join(dataDir, "agents.db") },
      close: async () => {
        await batches.close()
        await agents.close()
        await streams.close()
      },
    }
  }
  const where = describePostgres(url)
  const leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS
  let pg: Postgres | undefined
  try {
    pg = await connectPostgres(url)
    const streams = await PostgresStreamStore.open(pg)
    const subscriptions = await PostgresSubscriptionTable.open(pg)
    const agents = await PostgresAgentStore.open(pg, node, leaseTtlMs)
    const batches = await PostgresBatchStore.open(pg)
    return {
      streams,
      subscriptions,
      agents,
      batches,
      fleet: new PostgresFleet(pg, node, leaseTtlMs),
      where,
      index: { kind: "postgres", url, node, leaseTtlMs },
      close: async () => {
        await streams.close()
        await pg!.close()
      },
    }
  } catch (error) {
    await pg?.close().catch(() => {})
    throw new Error(`cannot use the store, ${where}: ${redact((error as Error).message, url)}`)
  }
}
