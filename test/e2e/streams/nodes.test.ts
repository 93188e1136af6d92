import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, expect, test } from "vitest"
import { parseOffset } from "../../../src/streams/offsets.ts"
import { freshDatabase } from "../../support/stores.ts"
import { Sandbox } from "../../support/sandbox.ts"
import { waitFor } from "../../support/wait.ts"
import { createJsonStream, readAll, sseBatches, startDaemon } from "./daemon.ts"

// Two `iterate serve` nodes on one machine (each with its own state folder, port and token)
// sharing one PostgreSQL database: any node serves any stream.
let a: Sandbox
let b: Sandbox
let url: string
beforeAll(async () => {
  url = await freshDatabase()
  const env = { ITERATE_STORE_URL: url }
  a = new Sandbox(env)
  b = new Sandbox(env)
  // Started together: both migrate the empty database at once.
  await Promise.all([startDaemon(a), startDaemon(b)])
})
afterAll(() => {
  a?.close()
  b?.close()
})

const json = { "content-type": "application/json" }
const append = (node: Sandbox, name: string, body: unknown) => node.api(`/v1/stream/${name}`, { method: "POST", headers: json, body: JSON.stringify(body) })

test("appends on A are read live on B, over SSE and long-poll", async () => {
  await createJsonStream(a, "shared")
  const sse = await b.api("/v1/stream/shared?offset=-1&live=sse")
  const received: unknown[] = []
  const reading = (async () => {
    for await (const { messages } of sseBatches(sse)) {
      received.push(...messages)
      if (received.length >= 100) return
    }
  })()
  const tail = (await b.api("/v1/stream/shared", { method: "HEAD" })).headers.get("Stream-Next-Offset")
  const poll = b.api(`/v1/stream/shared?offset=${tail}&live=long-poll`)
  // Give the long-poll time to be waiting on B when A appends (were it late, it would find the data at once).
  await Bun.sleep(200)
  for (let i = 0; i < 100; i++) expect((await append(a, "shared", { i })).status).toBe(204)

  const polled = await poll
  expect(polled.status).toBe(200)
  expect(((await polled.json()) as unknown[])[0]).toEqual({ i: 0 })
  await reading
  expect(received).toEqual(Array.from({ length: 100 }, (_, i) => ({ i })))
})

test("a stream made on B is listed and read on A, and its deletion on A ends B's live reader", async () => {
  expect((await b.api("/v1/stream/from-b", { method: "PUT", headers: json, body: '{"hello":"a"}' })).status).toBe(201)
  const names = ((await (await a.api("/v1/streams")).json()) as { streams: { name: string }[] }).streams.map((s) => s.name)
  expect(names).toContain("from-b")
  expect(await readAll(a, "from-b")).toEqual([{ hello: "a" }])

  const live = await b.api("/v1/stream/from-b?offset=now&live=sse")
  const ended = (async () => {
    for await (const _ of sseBatches(live));
  })()
  expect((await a.api("/v1/stream/from-b", { method: "DELETE" })).status).toBe(204)
  await ended
  expect((await b.api("/v1/stream/from-b", { method: "HEAD" })).status).toBe(404)
})

test("appends to one stream from both nodes at once get gapless offsets, each stored once", async () => {
  await createJsonStream(a, "both")
  const writer = async (node: Sandbox, w: number) => {
    const offsets: number[] = []
    for (let i = 0; i < 100; i++) {
      const response = await append(node, "both", { w, i })
      expect(response.status).toBe(204)
      offsets.push(parseOffset(response.headers.get("Stream-Next-Offset")!)!)
    }
    return offsets
  }
  const acknowledged = await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w % 2 ? b : a, w)))
  expect(acknowledged.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 800 }, (_, k) => k + 1))
  const stored = await readAll<{ w: number; i: number }>(b, "both")
  acknowledged.forEach((offsets, w) => offsets.forEach((offset, i) => expect(stored[offset - 1]).toEqual({ w, i })))
})

test("a subscription made on A wakes for an append on B; B's claim is acknowledged on A", async () => {
  await createJsonStream(a, "wakes")
  const put = await a.api("/v1/stream/__ds/subscriptions/fleet", {
    method: "PUT",
    headers: json,
    body: JSON.stringify({ type: "pull-wake", pattern: "jobs/*", wake_stream: "wakes" }),
  })
  expect(put.status).toBe(201)
  expect((await b.api("/v1/stream/__ds/subscriptions/fleet")).status).toBe(200)
  await b.api("/v1/stream/jobs/one", { method: "PUT", headers: json, body: '{"job":1}' })

  await waitFor("the wake announcement", async () => (await readAll<{ subscription_id: string }>(a, "wakes")).length > 0, { timeoutMs: 10_000 })
  const claim = await b.api("/v1/stream/__ds/subscriptions/fleet/claim", { method: "POST", headers: json, body: '{"worker":"w"}' })
  expect(claim.status).toBe(200)
  const { token, wake_id, generation, streams } = (await claim.json()) as { token: string; wake_id: string; generation: number; streams: { path: string; tail_offset: string }[] }
  const ack = await a.api("/v1/stream/__ds/subscriptions/fleet/ack", {
    method: "POST",
    headers: { ...json, authorization: `Bearer ${token}` },
    body: JSON.stringify({ wake_id, generation, acks: [{ stream: "jobs/one", offset: streams[0]!.tail_offset }], done: true }),
  })
  expect(ack.status).toBe(200)
  expect(await ack.json()).toEqual({ ok: true, next_wake: false })
  // Exactly one node announced the wake.
  expect(await readAll(b, "wakes")).toHaveLength(1)
})

test("a node given the store in config.json joins the others; a store there that is no URL stops it", async () => {
  const c = new Sandbox()
  try {
    const config = (value: unknown) => {
      mkdirSync(join(c.dir, "config", "iterate"), { recursive: true })
      writeFileSync(join(c.dir, "config", "iterate", "config.json"), `// the fleet's database\n${JSON.stringify({ store: value })}\n`)
    }
    config(42)
    const refused = await c.run(["serve", "--port", "0"])
    expect(refused.code).toBe(1)
    // The daemon logs the config problem first; the refusal is the last word.
    expect(refused.stderr.trimEnd().split("\n").at(-1)).toBe(`iterate: store in ${join(c.dir, "config", "iterate", "config.json")} must be a postgres:// URL`)
    config(url)
    const list = await c.run(["streams", "list", "--json"])
    expect(list.code, list.stderr).toBe(0)
    expect((JSON.parse(list.stdout) as { name: string }[]).map((s) => s.name)).toContain("shared")
  } finally {
    c.close()
  }
})
