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
    close: async () => {
      await sql.close()
      await stores.close()
    },
  }
})
