import { afterEach, describe, expect, test } from "vitest"
import { STORES, storeEnv } from "../../support/stores.ts"
import { Sandbox } from "../../support/sandbox.ts"
import { waitFor } from "../../support/wait.ts"
import { createJsonStream, killDaemon, readAll, startDaemon } from "./daemon.ts"

let sandbox: Sandbox
afterEach(() => sandbox?.close())

interface Claimed {
  wake_id: string
  generation: number
  token: string
  streams: { path: string; tail_offset: string }[]
}
interface WakeEvent {
  subscription_id: string
  generation: number
}

const send = (path: string, method: string, body: unknown, token?: string) =>
  sandbox.api(`/v1/stream/__ds/subscriptions/${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })

/** A pull-wake subscription on jobs/*, announcing on the "wakes" stream, with jobs/one holding data. */
async function pullWakeSetup(id: string, leaseMs = 30_000): Promise<void> {
  await createJsonStream(sandbox, "wakes")
  expect((await send(id, "PUT", { type: "pull-wake", pattern: "jobs/*", wake_stream: "wakes", lease_ttl_ms: leaseMs })).status).toBe(201)
  await sandbox.api("/v1/stream/jobs/one", { method: "PUT", headers: { "content-type": "application/json" }, body: '{"job":1}' })
}

const wakes = async (id: string) => (await readAll<WakeEvent>(sandbox, "wakes")).filter((w) => w.subscription_id === id)

async function claim(id: string): Promise<Claimed> {
  const response = await send(`${id}/claim`, "POST", { worker: "w" })
  expect(response.status).toBe(200)
  return (await response.json()) as Claimed
}

describe.each(STORES)("on %s", (store) => {
  test("a wake token acknowledges its own subscription's wake and opens nothing else", async () => {
    sandbox = new Sandbox(await storeEnv(store))
    await startDaemon(sandbox)
    await pullWakeSetup("mine")
    expect((await send("other", "PUT", { type: "pull-wake", pattern: "jobs/*", wake_stream: "wakes" })).status).toBe(201)
    await waitFor("the wake announcement", async () => (await wakes("mine")).length > 0, { timeoutMs: 10_000 })
    const { token, wake_id, generation, streams } = await claim("mine")
    const tail = streams.find((s) => s.path === "jobs/one")!.tail_offset

    const withToken = { authorization: `Bearer ${token}` }
    expect((await sandbox.api("/v1/streams", { headers: withToken })).status).toBe(401)
    expect((await sandbox.api("/v1/stream/jobs/one", { headers: withToken })).status).toBe(401)
    expect((await sandbox.api("/v1/stream/__ds/subscriptions/mine", { headers: withToken })).status).toBe(401)
    expect((await send("other/ack", "POST", { wake_id, generation, done: true }, token)).status).toBe(401)
    // Its own route without it, with the daemon's token instead: not a wake token either.
    expect((await send("mine/ack", "POST", { wake_id, generation, done: true })).status).toBe(401)

    const ack = await send("mine/ack", "POST", { wake_id, generation, acks: [{ stream: "jobs/one", offset: tail }], done: true }, token)
    expect(ack.status).toBe(200)
    expect(await ack.json()).toEqual({ ok: true, next_wake: false })
  })

  test("subscriptions and their acknowledged offsets survive a kill -9; wake generations keep counting", async () => {
    sandbox = new Sandbox(await storeEnv(store))
    await startDaemon(sandbox)
    await pullWakeSetup("durable")
    await waitFor("the first wake", async () => (await wakes("durable")).length > 0, { timeoutMs: 10_000 })
    const first = await claim("durable")
    const tail = first.streams[0]!.tail_offset
    await send("durable/ack", "POST", { wake_id: first.wake_id, generation: first.generation, acks: [{ stream: "jobs/one", offset: tail }], done: true }, first.token)
    const before = await (await send("durable", "GET", undefined)).json()

    await killDaemon(sandbox)
    await startDaemon(sandbox)
    expect(await (await send("durable", "GET", undefined)).json()).toEqual(before)
    expect((await send("durable/claim", "POST", { worker: "w" })).status).toBe(409) // nothing pending

    await sandbox.api("/v1/stream/jobs/one", { method: "POST", headers: { "content-type": "application/json" }, body: '{"job":2}' })
    await waitFor("a wake for the new data", async () => (await wakes("durable")).length > 1, { timeoutMs: 10_000 })
    const second = await claim("durable")
    expect(second.generation).toBeGreaterThan(first.generation)
    expect(second.streams[0]!.tail_offset > tail).toBe(true)
  })

  test("a claim whose lease runs out is fenced off, and the work is announced again", async () => {
    sandbox = new Sandbox(await storeEnv(store))
    await startDaemon(sandbox)
    await pullWakeSetup("leased", 1_000)
    await waitFor("the first wake", async () => (await wakes("leased")).length > 0, { timeoutMs: 10_000 })
    const lapsed = await claim("leased")

    await waitFor("the wake announced again after the lease", async () => (await wakes("leased")).length > 1, { timeoutMs: 10_000 })
    const late = await send("leased/ack", "POST", { wake_id: lapsed.wake_id, generation: lapsed.generation, done: true }, lapsed.token)
    expect(late.status).toBe(409)
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe("FENCED")
    const next = await claim("leased")
    expect(next.generation).toBeGreaterThan(lapsed.generation)
  })
})
