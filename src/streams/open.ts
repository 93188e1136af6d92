import { join } from "node:path"
import { describePostgres, redact } from "../store-url.ts"
import { connectPostgres, type Postgres } from "../storage/postgres.ts"
import { PostgresStreamStore } from "./postgres/store.ts"
import { SqliteStreamStore, type StreamStore } from "./store.ts"
import { PostgresSubscriptionTable } from "./subscriptions/postgres-records.ts"
import { SqliteSubscriptionTable, type SubscriptionTable } from "./subscriptions/records.ts"

/** Everything a node keeps in its store: SQLite files in the data folder, or one PostgreSQL database. */
export interface Stores {
  streams: StreamStore
  subscriptions: SubscriptionTable
  /** for the log: where the store is, without credentials */
  where: string
  close(): Promise<void>
}

/**
 * Opens the store: a `postgres://` URL (several nodes may share it; the schema is migrated here),
 * else SQLite in `dataDir`. Throws, with the URL's password left out, when PostgreSQL cannot be reached.
 */
export async function openStores(dataDir: string, url: string | undefined): Promise<Stores> {
  if (url === undefined) {
    const streams = new SqliteStreamStore(join(dataDir, "streams.db"))
    return { streams, subscriptions: new SqliteSubscriptionTable(join(dataDir, "subscriptions.db")), where: `SQLite in ${dataDir}`, close: () => streams.close() }
  }
  const where = describePostgres(url)
  let pg: Postgres | undefined
  try {
    pg = await connectPostgres(url)
    const streams = await PostgresStreamStore.open(pg)
    const subscriptions = await PostgresSubscriptionTable.open(pg)
    return {
      streams,
      subscriptions,
      where,
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
