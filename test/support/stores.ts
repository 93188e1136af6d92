import { SQL } from "bun"
import { randomBytes } from "node:crypto"
import { beforeAll, inject } from "vitest"

// The stores the stream and agent tests run against, and a database of its own for each test file
// (or describe block) in the PostgreSQL cluster the run started (test/postgres-setup.ts).

declare module "vitest" {
  export interface ProvidedContext {
    /** the administration URL of the cluster test/postgres-setup.ts started for this run */
    postgres: string
  }
}

/**
 * A new, empty database in the run's shared cluster, for one test file (or one test): its URL.
 * Files running side by side each get their own, so they never see each other's streams.
 */
export async function freshDatabase(): Promise<string> {
  const admin = inject("postgres")
  const name = `t_${randomBytes(6).toString("hex")}`
  const sql = new SQL(admin, { max: 1 })
  try {
    await sql.unsafe(`CREATE DATABASE ${name}`)
  } finally {
    await sql.close()
  }
  return admin.replace(/\/postgres$/, `/${name}`)
}

/** The stores the stream tests run against. */
export const STORES = ["sqlite", "postgres"] as const
export type StoreKind = (typeof STORES)[number]

/** The environment that points a daemon at the store: none for SQLite, a fresh database for PostgreSQL. */
export async function storeEnv(kind: StoreKind): Promise<Record<string, string>> {
  return kind === "sqlite" ? {} : { ITERATE_STORE_URL: await freshDatabase() }
}

/** Points a sandbox made by an earlier hook (before its daemon starts) at the store. */
export function useStore(kind: StoreKind, sandbox: () => { env: Record<string, string> }): void {
  beforeAll(async () => void Object.assign(sandbox().env, await storeEnv(kind)))
}
