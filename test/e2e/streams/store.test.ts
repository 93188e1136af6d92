// The stream store interface in process on a real PostgreSQL database (the SQLite half is in
// test/unit/streams/store.test.ts; both run test/support/store-suite.ts).
import { SQL } from "bun"
import { openStores } from "../../../src/server/stores.ts"
import { storeSuite } from "../../support/store-suite.ts"
import { freshDatabase } from "../../support/stores.ts"

storeSuite("postgres", async (dir) => {
  const url = await freshDatabase()
  const stores = await openStores(dir, url)
  const sql = new SQL(url, { max: 1 })
  return {
    stores,
    setLease: async (name, epoch) => void (await sql`INSERT INTO iterate.leases (name, epoch) VALUES (${name}, ${epoch}) ON CONFLICT (name) DO UPDATE SET epoch = excluded.epoch`),
    beat: async (node, leaseTtlMs, agoMs) =>
      void (await sql`INSERT INTO iterate.nodes (id, url, roots, version, lease_ttl_ms, started_at, heartbeat_at)
                      VALUES (${node}, 'http://127.0.0.1:1', '[]', 'test', ${leaseTtlMs}, ${new Date().toISOString()}, now() - ${agoMs}::int * interval '1 millisecond')
                      ON CONFLICT (id) DO UPDATE SET lease_ttl_ms = excluded.lease_ttl_ms, heartbeat_at = excluded.heartbeat_at`),
    close: async () => {
      await sql.close()
      await stores.close()
    },
  }
})
