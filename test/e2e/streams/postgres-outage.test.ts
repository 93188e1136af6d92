import { readFileSync } from "node:fs"
import { afterAll, beforeAll, expect, test } from "vitest"
import { type Cluster, startCluster } from "../../support/postgres.ts"
import { Sandbox } from "../../support/sandbox.ts"
import { isAlive, waitFor } from "../../support/wait.ts"
import { createJsonStream, readAll, sseBatches, startDaemon } from "./daemon.ts"

// PostgreSQL going away under a running node. This file has a cluster of its own, so that
// stopping it disturbs no other test.
let cluster: Cluster
let sandbox: Sandbox
const bodies: string[] = []
beforeAll(async () => {
  cluster = await startCluster()
  sandbox = new Sandbox({ ITERATE_STORE_URL: cluster.url() })
  await startDaemon(sandbox)
})
afterAll(async () => {
  sandbox?.close()
  await cluster?.destroy()
})

const WRITERS = 16
const EVENTS_EACH = 100
type Event = { w: number; i: number }

/**
 * Appends event i of writer w with producer seq i, trying again (the same seq) while the store is
 * unavailable: a retry of an append that did commit is answered as a duplicate, so each event is
 * stored once. Returns the offset each append was acknowledged with (undefined for a duplicate).
 */
async function writer(w: number): Promise<(number | undefined)[]> {
  const offsets: (number | undefined)[] = []
  for (let i = 0; i < EVENTS_EACH; ) {
    const response = await sandbox.api("/v1/stream/load", {
      method: "POST",
      headers: { "content-type": "application/json", "Producer-Id": `w${w}`, "Producer-Epoch": "0", "Producer-Seq": String(i) },
      body: JSON.stringify({ w, i }),
    })
    if (response.status === 503) {
      bodies.push(await response.text())
      await Bun.sleep(50)
      continue
    }
    expect([200, 204]).toContain(response.status)
    offsets.push(response.status === 200 ? Number(response.headers.get("Stream-Next-Offset")) : undefined)
    i++
  }
  return offsets
}

test("PostgreSQL restarted under append load: the node stays up, answers 503, and loses nothing it acknowledged", async () => {
  await createJsonStream(sandbox, "load")
  const { pid } = sandbox.record()!
  const live: Event[] = []
  const reader = (async () => {
    for await (const { messages } of sseBatches(await sandbox.api("/v1/stream/load?offset=-1&live=sse"))) {
      live.push(...(messages as Event[]))
      if (live.length >= WRITERS * EVENTS_EACH) return
    }
  })()
  const writers = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)))

  await waitFor("appends under way", () => live.length >= 200, { timeoutMs: 20_000 })
  await cluster.halt("immediate")
  const append = await sandbox.api("/v1/stream/load", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
  expect(append.status).toBe(503)
  expect(append.headers.get("Retry-After")).toBe("1")
  const read = await sandbox.api("/v1/stream/load?offset=-1")
  expect(read.status).toBe(503)
  for (const response of [append, read]) {
    const text = await response.text()
    bodies.push(text)
    expect(JSON.parse(text)).toEqual({ error: { code: "store_unavailable", message: expect.any(String) } })
  }
  expect((await sandbox.api("/health")).status).toBe(200)
  await Bun.sleep(1_000)
  await cluster.resume()

  const acknowledged = await writers
  await reader
  expect(isAlive(pid)).toBe(true)
  expect(sandbox.record()!.pid).toBe(pid)
  expect(bodies.length).toBeGreaterThan(2) // writers met the outage too

  const stored = await readAll<Event>(sandbox, "load")
  expect(stored).toHaveLength(WRITERS * EVENTS_EACH)
  const at = new Map(stored.map((e, k) => [`${e.w}:${e.i}`, k + 1]))
  expect(at.size).toBe(stored.length) // nothing stored twice
  acknowledged.forEach((offsets, w) =>
    offsets.forEach((offset, i) => {
      expect(at.has(`${w}:${i}`)).toBe(true)
      if (offset !== undefined) expect(at.get(`${w}:${i}`)).toBe(offset)
    }),
  )
  // The live reader stayed connected through the outage and saw exactly what is stored.
  expect(live).toEqual(stored)
})

test("the store URL's password appears in no log line, error body, /doc or server status", async () => {
  const status = await sandbox.run(["server", "status", "--json"])
  const doc = await (await sandbox.api("/doc")).text()
  const log = readFileSync(sandbox.logPath, "utf8")
  expect(log).toContain(`store: PostgreSQL at 127.0.0.1:${cluster.port}/postgres`)
  expect(log).toContain("is unreachable")
  for (const text of [status.stdout, status.stderr, doc, log, ...bodies]) expect(text).not.toContain(cluster.password)
})

test("a node does not start on a PostgreSQL it cannot reach; neither message shows the password", async () => {
  const unreachable = await sandbox.run(["serve", "--port", "0", "--store", `postgres://iterate:hunter2secret@127.0.0.1:1/fleet`], {
    // Another state and data folder: the running node holds this sandbox's (one daemon per data folder).
    env: { XDG_STATE_HOME: `${sandbox.dir}/other-state`, XDG_DATA_HOME: `${sandbox.dir}/other-data` },
  })
  expect(unreachable.code).toBe(1)
  expect(unreachable.stderr).toMatch(/^iterate: cannot use the store, PostgreSQL at 127\.0\.0\.1:1\/fleet: /)
  const malformed = await sandbox.run(["serve", "--port", "0"], { env: { XDG_STATE_HOME: `${sandbox.dir}/other-state`, XDG_DATA_HOME: `${sandbox.dir}/other-data`, ITERATE_STORE_URL: "mysql://root:hunter2secret@db/x" } })
  expect(malformed.code).toBe(2)
  expect(malformed.stderr).toBe("iterate: --store (or ITERATE_STORE_URL) must be a postgres:// URL, such as postgres://user:password@host:5432/iterate\n")
  for (const result of [unreachable, malformed]) expect(result.stdout + result.stderr).not.toContain("hunter2secret")
})
