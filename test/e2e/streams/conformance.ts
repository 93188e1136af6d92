import { runConformanceTests } from "@durable-streams/server-conformance-tests"
import { SQL } from "bun"
import { afterAll, beforeAll, expect, test } from "vitest"
import { type StoreKind, storeEnv } from "../../support/stores.ts"
import { Sandbox } from "../../support/sandbox.ts"
import { waitFor } from "../../support/wait.ts"

// The public Durable Streams conformance suite against a real daemon (the compiled binary, its
// store, loopback HTTP). The suite knows nothing of authentication, so every request it sends to
// the daemon gets the daemon's bearer token; requests elsewhere (its webhook receivers) go out
// untouched. One file per store, so that the two runs go side by side.
const LONG_POLL_TIMEOUT_MS = 2_000

export function conformanceAgainst(store: StoreKind): void {
  const config = { baseUrl: "http://127.0.0.1:1", longPollTimeoutMs: LONG_POLL_TIMEOUT_MS, subscriptions: true }
  let sandbox: Sandbox
  let serve: ReturnType<Sandbox["spawn"]>
  const originalFetch = globalThis.fetch

  beforeAll(async () => {
    sandbox = new Sandbox(await storeEnv(store))
    serve = sandbox.spawn(["serve", "--port", "0", "--long-poll-timeout", String(LONG_POLL_TIMEOUT_MS), "--cors", "https://example.com"])
    const record = await waitFor("the daemon to write daemon.json", () => sandbox.record(), { timeoutMs: 15_000 })
    config.baseUrl = record.url
    const withToken = (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init)
      if (new URL(request.url).origin === record.url && !request.headers.has("authorization"))
        request.headers.set("authorization", `Bearer ${record.token}`)
      return originalFetch(request)
    }
    globalThis.fetch = Object.assign(withToken, { preconnect: originalFetch.preconnect }) as typeof fetch
  })

  afterAll(async () => {
    globalThis.fetch = originalFetch
    serve?.kill("SIGTERM")
    await serve?.exited
    sandbox?.close()
  })

  runConformanceTests(config)

  if (store === "postgres")
    test("the suite's streams are in the PostgreSQL database", async () => {
      const sql = new SQL(sandbox.env.ITERATE_STORE_URL!, { max: 1 })
      const [{ streams }] = await sql`SELECT count(*)::int AS streams FROM iterate.streams`
      await sql.close()
      expect(streams).toBeGreaterThan(100)
    })
}
