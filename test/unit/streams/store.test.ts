// The stream store interface in process on a real SQLite file (the PostgreSQL half is in
// test/e2e/streams/store.test.ts; both run test/support/store-suite.ts).
import { Database } from "bun:sqlite"
import { join } from "node:path"
import { openStores } from "../../../src/server/stores.ts"
import { storeSuite } from "../../support/store-suite.ts"

storeSuite("sqlite", async (dir) => {
  const stores = await openStores(dir, undefined)
  const db = new Database(join(dir, "streams.db"))
  return {
    stores,
    setLease: async (name, epoch) => void db.run("INSERT INTO leases (name, epoch) VALUES (?, ?) ON CONFLICT DO UPDATE SET epoch = excluded.epoch", [name, epoch]),
    close: async () => {
      db.close()
      await stores.close()
    },
  }
})
