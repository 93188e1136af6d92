import { migratePostgres, type Migration, type Postgres } from "../../storage/postgres.ts"
import { type LinkChanges, recordOf, type SubscriptionConfig, type SubscriptionRecord, type SubscriptionTable, wakeJson } from "./records.ts"
import { newSigningKeys, type SigningKeys } from "./signing.ts"

const MIGRATIONS: Migration[] = [
  `CREATE TABLE subscriptions (
     id          text PRIMARY KEY,
     config      text NOT NULL,
     created_at  text NOT NULL,
     generation  bigint NOT NULL DEFAULT 0,
     wake        text,
     lease_until bigint,
     failures    integer NOT NULL DEFAULT 0,
     version     bigint NOT NULL DEFAULT 0
   );
   CREATE TABLE subscription_streams (
     subscription_id text NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
     stream          text NOT NULL,
     explicit        smallint NOT NULL,
     glob            smallint NOT NULL,
     acked           bigint NOT NULL,
     PRIMARY KEY (subscription_id, stream)
   );
   CREATE TABLE subscription_keys (
     id          smallint PRIMARY KEY CHECK (id = 1),
     private_key text NOT NULL,
     hmac_key    text NOT NULL
   );`,
]

/** The subscriptions' tables in the PostgreSQL database the nodes share; so are their signing keys. */
export class PostgresSubscriptionTable implements SubscriptionTable {
  readonly shared = true
  readonly #pg: Postgres

  private constructor(pg: Postgres) {
    this.#pg = pg
  }

  static async open(pg: Postgres): Promise<PostgresSubscriptionTable> {
    await migratePostgres(pg, "subscriptions", MIGRATIONS)
    return new PostgresSubscriptionTable(pg)
  }

  /** The fleet's keys: the first node to need them makes them, the others read them. */
  signingKeys(): Promise<SigningKeys> {
    const keys = newSigningKeys()
    return this.#pg.guard(async () => {
      await this.#pg.sql`INSERT INTO subscription_keys (id, private_key, hmac_key) VALUES (1, ${keys.privateKey}, ${keys.hmacKey}) ON CONFLICT DO NOTHING`
      const [row] = await this.#pg.sql`SELECT private_key, hmac_key FROM subscription_keys WHERE id = 1`
      return { privateKey: row.private_key, hmacKey: row.hmac_key }
    })
  }

  summaries(): Promise<{ id: string; config: SubscriptionConfig; streams: string[] }[]> {
    return this.#pg.guard(async () => {
      const rows = await this.#pg.sql`
        SELECT s.id, s.config, coalesce(array_agg(l.stream) FILTER (WHERE l.stream IS NOT NULL), '{}') AS streams
        FROM subscriptions s LEFT JOIN subscription_streams l ON l.subscription_id = s.id GROUP BY s.id, s.config`
      return rows.map((row: { id: string; config: string; streams: string[] }) => ({ id: row.id, config: JSON.parse(row.config), streams: row.streams }))
    })
  }

  load(id: string): Promise<SubscriptionRecord | undefined> {
    return this.#pg.guard(async () => {
      const [row] = await this.#pg.sql`SELECT * FROM subscriptions WHERE id = ${id}`
      if (!row) return undefined
      return recordOf(row, await this.#pg.sql`SELECT * FROM subscription_streams WHERE subscription_id = ${id}`)
    })
  }

  insert(record: SubscriptionRecord): Promise<boolean> {
    return this.#pg.guard(() =>
      this.#pg.sql.begin(async (tx) => {
        const inserted = await tx`INSERT INTO subscriptions (id, config, created_at) VALUES (${record.id}, ${JSON.stringify(record.config)}, ${record.createdAt})
                                  ON CONFLICT DO NOTHING`
        if (inserted.count === 0) return false
        await this.#saveLinks(tx, record.id, { saved: [...record.links], removed: [] })
        return true
      }),
    )
  }

  save(record: SubscriptionRecord, links: LinkChanges): Promise<boolean> {
    const { id, wake } = record
    return this.#pg.guard(() =>
      this.#pg.sql.begin(async (tx) => {
        const updated = await tx`
          UPDATE subscriptions SET generation = ${record.generation}, wake = ${wakeJson(wake)}, lease_until = ${wake?.leaseUntil ?? null},
                                   failures = ${record.failures}, version = version + 1
          WHERE id = ${id} AND version = ${record.version}`
        if (updated.count === 0) return false
        await this.#saveLinks(tx, id, links)
        return true
      }),
    )
  }

  remove(id: string): Promise<boolean> {
    return this.#pg.guard(async () => (await this.#pg.sql`DELETE FROM subscriptions WHERE id = ${id}`).count > 0)
  }

  lapsed(now: number): Promise<string[]> {
    return this.#pg.guard(async () => (await this.#pg.sql`SELECT id FROM subscriptions WHERE lease_until <= ${now}`).map((row: { id: string }) => row.id))
  }

  async close(): Promise<void> {}

  async #saveLinks(tx: Postgres["sql"], id: string, links: LinkChanges): Promise<void> {
    const { saved, removed } = links
    if (saved.length > 0)
      await tx`INSERT INTO subscription_streams (subscription_id, stream, explicit, glob, acked)
               SELECT ${id}, * FROM unnest(${saved.map(([stream]) => stream)}::text[], ${saved.map(([, l]) => (l.explicit ? 1 : 0))}::smallint[],
                                           ${saved.map(([, l]) => (l.glob ? 1 : 0))}::smallint[], ${saved.map(([, l]) => l.acked)}::bigint[])
               ON CONFLICT (subscription_id, stream) DO UPDATE SET explicit = excluded.explicit, glob = excluded.glob, acked = excluded.acked`
    if (removed.length > 0) await tx`DELETE FROM subscription_streams WHERE subscription_id = ${id} AND stream = ANY(${removed}::text[])`
  }
}
