import { runConformanceTests } from "@durable-streams/server-conformance-tests"
import { afterAll, beforeAll } from "vitest"
import { Sandbox } from "../support/sandbox.ts"
import { waitFor } from "../support/wait.ts"

// The public Durable Streams conformance suite against a real daemon (the compiled binary, its
// SQLite file, loopback HTTP). The suite knows nothing of authentication, so every request it
// sends to the daemon gets the daemon's bearer token; requests elsewhere (its webhook receivers)
// go out untouched.
const LONG_POLL_TIMEOUT_MS = 2_000
const config = { baseUrl: "http://127.0.0.1:1", longPollTimeoutMs: LONG_POLL_TIMEOUT_MS, subscriptions: true }

let sandbox: Sandbox
let serve: ReturnType<Sandbox["spawn"]>
const originalFetch = globalThis.fetch

beforeAll(async () => {
  sandbox = new Sandbox()
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
