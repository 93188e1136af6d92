// Renders the daemon's OpenAPI document straight from the route definitions (no server, an
// in-memory store) and generates the TypeScript SDK the CLI uses into src/sdk/ (or --out DIR,
// which the freshness test uses to compare against the committed copy).
import { createClient } from "@hey-api/openapi-ts"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Agents } from "../src/agents/agents.ts"
import { SqliteAgentStore } from "../src/agents/sqlite-store.ts"
import { Batches } from "../src/agents/batch/batches.ts"
import { SqliteBatchStore } from "../src/agents/batch/sqlite-store.ts"
import { LocalFleet } from "../src/agents/fleet/fleet.ts"
import { OPENAPI_INFO, createApi } from "../src/server/app.ts"
import { WebSessions } from "../src/server/web/sessions.ts"
import { SqliteStreamStore } from "../src/streams/store.ts"
import { Subscriptions } from "../src/streams/subscriptions/manager.ts"
import { SqliteSubscriptionTable } from "../src/streams/subscriptions/records.ts"

export async function renderOpenApiDocument() {
  const store = new SqliteStreamStore(":memory:")
  const subscriptions = await Subscriptions.open(store, new SqliteSubscriptionTable(":memory:"), () => "")
  const agentStore = new SqliteAgentStore(":memory:")
  const fleet = new LocalFleet("sdk", agentStore)
  const agents = new Agents({ store: agentStore, fleet, logDir: tmpdir(), dataDir: tmpdir(), worktreesDir: tmpdir(), streams: store })
  const batchStore = new SqliteBatchStore(":memory:")
  const batches = new Batches({ store: batchStore, agents, streams: store, fleet })
  const sessions = new WebSessions(":memory:")
  const api = createApi({
    store,
    subscriptions,
    agents,
    batches,
    web: { sessions, roots: [], home: "" },
    version: "0.0.0",
    instanceId: "",
    pid: 0,
    startedAt: new Date(0),
    url: () => "",
    longPollTimeoutMs: 0,
    keepOpen: () => {},
    closing: new AbortController().signal,
    shutdown: () => {},
  })
  // A fixed version keeps the generated SDK identical across releases.
  const document = api.getOpenAPI31Document({ openapi: "3.1.0", info: { ...OPENAPI_INFO, version: "1" } })
  subscriptions.close()
  sessions.close()
  await agents.stop()
  await batchStore.close()
  await agentStore.close()
  await store.close()
  return document
}

export async function generateSdk(outDir: string): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "iterate-openapi-"))
  try {
    const input = join(scratch, "openapi.json")
    writeFileSync(input, JSON.stringify(await renderOpenApiDocument(), null, 2))
    await createClient({
      input,
      output: { path: outDir },
      plugins: ["@hey-api/client-fetch", "@hey-api/typescript", "@hey-api/sdk"],
      logs: { level: "silent" },
    })
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  const at = process.argv.indexOf("--out")
  const out = resolve(at > 0 ? process.argv[at + 1]! : new URL("../src/sdk", import.meta.url).pathname)
  await generateSdk(out)
  console.error(`SDK written to ${out}`)
}
