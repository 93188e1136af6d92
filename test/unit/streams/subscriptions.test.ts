// The subscription manager in process, on the SQLite stream store and subscription table in temp
// files, through its control routes (handleControl, what the daemon's /v1/stream/__ds/ answers
// with) and a webhook receiver on loopback: webhook wakes (signed, acknowledged by callback or a
// synchronous done, retried when the receiver fails), pull wakes (announced, claimed, leased,
// acknowledged, released, fenced), patterns, and what a restart keeps. Through the daemon, on
// both stores: test/e2e/streams/subscriptions.test.ts.
import { createPublicKey, verify } from "node:crypto"
import { join } from "node:path"
import { afterEach, describe, expect, test } from "vitest"
import { formatOffset } from "../../../src/streams/offsets.ts"
import { SqliteStreamStore } from "../../../src/streams/store.ts"
import { handleControl } from "../../../src/streams/subscriptions/control.ts"
import { Subscriptions } from "../../../src/streams/subscriptions/manager.ts"
import { SqliteSubscriptionTable } from "../../../src/streams/subscriptions/records.ts"
import { scratchDir } from "../../support/scratch.ts"
import { waitFor } from "../../support/wait.ts"

const BASE = "http://127.0.0.1:4096"
const encoder = new TextEncoder()
const decoder = new TextDecoder()

interface Wake {
  subscription_id: string
  wake_id: string
  generation: number
  streams: { path: string; link_type: string; acked_offset: string; tail_offset: string; has_pending: boolean }[]
  callback_url: string
  callback_token: string
}

/** One daemon's streams and subscriptions, on the files in `dir`. */
class Node {
  readonly store: SqliteStreamStore
  readonly table: SqliteSubscriptionTable
  subscriptions!: Subscriptions

  constructor(readonly dir: string) {
    this.store = new SqliteStreamStore(join(dir, "streams.db"))
    this.table = new SqliteSubscriptionTable(join(dir, "subscriptions.db"))
  }

  async open(): Promise<this> {
    this.subscriptions = await Subscriptions.open(this.store, this.table, () => BASE)
    return this
  }

  /** A request to /v1/stream/__ds/<path>, answered in process. */
  async call(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
    const request = new Request(`${BASE}/v1/stream/__ds/${path}`, {
      method,
      headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const response = await handleControl(this.subscriptions, request, path)
    const text = await response.text()
    return { status: response.status, body: text ? JSON.parse(text) : undefined }
  }

  async stream(name: string): Promise<void> {
    await this.store.create(name, { contentType: "application/json" })
  }

  /** Appends one JSON message; the stream's new tail offset. */
  async append(name: string, value: unknown): Promise<string> {
    const outcome = await this.store.append(name, { contentType: "application/json", messages: [encoder.encode(JSON.stringify(value))] })
    if (outcome.status !== "appended") throw new Error(`append to ${name}: ${outcome.status}`)
    return formatOffset(outcome.tail)
  }

  async messages<T>(name: string): Promise<T[]> {
    const meta = (await this.store.get(name))!
    return (await this.store.read(meta, 0, Infinity)).map((m) => JSON.parse(decoder.decode(m.data)) as T)
  }

  close(): void {
    this.subscriptions?.close()
    void this.store.close()
  }
}

/** A webhook receiver on loopback: every delivery kept, each answered by `answer` (200 `{}` by default). */
class Receiver {
  readonly wakes: Array<{ wake: Wake; body: string; signature: string }> = []
  answer: (wake: Wake) => Response = () => Response.json({})
  readonly server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (request) => {
      const body = await request.text()
      const wake = JSON.parse(body) as Wake
      this.wakes.push({ wake, body, signature: request.headers.get("webhook-signature") ?? "" })
      return this.answer(wake)
    },
  })
  readonly url = `http://127.0.0.1:${this.server.port}/hook`

  delivered(count: number) {
    return waitFor(`${count} webhook deliveries`, () => this.wakes[count - 1], { timeoutMs: 10_000, everyMs: 10 })
  }
}

const cleanup: Array<() => void> = []
afterEach(() => {
  for (const step of cleanup.splice(0).reverse()) step()
})

async function node(dir = scratchDir("subscriptions")): Promise<Node> {
  const made = await new Node(dir).open()
  cleanup.push(() => made.close())
  return made
}

function receiver(): Receiver {
  const made = new Receiver()
  cleanup.push(() => void made.server.stop(true))
  return made
}

/** The signature header checked against the published key set, as a receiver would. */
function signatureValid(jwks: { keys: object[] }, body: string, header: string): boolean {
  const fields = Object.fromEntries(header.split(",").map((part) => part.split("=", 2) as [string, string]))
  const key = jwks.keys.find((k) => (k as { kid: string }).kid === fields.kid)
  if (!key || !fields.t || !fields.ed25519) return false
  return verify(null, Buffer.from(`${fields.t}.${body}`), createPublicKey({ key: key as object, format: "jwk" } as never), Buffer.from(fields.ed25519, "base64url"))
}

describe("webhook subscriptions", () => {
  test("an append POSTs a signed wake naming the stream and the callback; the callback acknowledges; the next append wakes the next generation, and the old token is fenced off", async () => {
    const daemon = await node()
    const hook = receiver()
    await daemon.stream("jobs/a")
    const created = await daemon.call("PUT", "subscriptions/hook", { type: "webhook", streams: ["jobs/a"], webhook: { url: hook.url } })
    expect(created.status).toBe(201)
    const jwks = (await daemon.call("GET", "jwks.json")).body
    expect(created.body).toMatchObject({
      id: "hook",
      type: "webhook",
      streams: [{ path: "jobs/a", link_type: "explicit" }],
      webhook: { url: hook.url, signing: { alg: "ed25519", kid: jwks.keys[0].kid, jwks_url: `${BASE}/v1/stream/__ds/jwks.json` } },
      lease_ttl_ms: 30_000,
      status: "active",
    })

    const tail = await daemon.append("jobs/a", { job: 1 })
    const first = await hook.delivered(1)
    expect(first.wake).toEqual({
      subscription_id: "hook",
      wake_id: expect.stringMatching(/^w_[0-9a-f]{24}$/),
      generation: 1,
      streams: [{ path: "jobs/a", link_type: "explicit", acked_offset: created.body.streams[0].acked_offset, tail_offset: tail, has_pending: true }],
      callback_url: `${BASE}/v1/stream/__ds/subscriptions/hook/callback`,
      callback_token: expect.any(String),
    })
    expect(signatureValid(jwks, first.body, first.signature)).toBe(true)
    expect(signatureValid(jwks, first.body.replace('"generation":1', '"generation":2'), first.signature)).toBe(false)
    expect(daemon.subscriptions.issuedFor("hook", first.wake.callback_token)).toBe(true)
    expect(daemon.subscriptions.issuedFor("other", first.wake.callback_token)).toBe(false)

    const { wake_id, generation, callback_token: token } = first.wake
    const ack = await daemon.call("POST", "subscriptions/hook/callback", { wake_id, generation, acks: [{ stream: "jobs/a", offset: tail }], done: true }, token)
    expect(ack).toEqual({ status: 200, body: { ok: true, next_wake: false } })
    expect((await daemon.call("GET", "subscriptions/hook")).body.streams).toEqual([{ path: "jobs/a", link_type: "explicit", acked_offset: tail }])

    const next = await daemon.append("jobs/a", { job: 2 })
    const second = await hook.delivered(2)
    expect(second.wake).toMatchObject({ generation: 2, streams: [{ acked_offset: tail, tail_offset: next, has_pending: true }] })
    const stale = await daemon.call("POST", "subscriptions/hook/callback", { wake_id, generation, done: true }, token)
    expect(stale.status).toBe(409)
    expect(stale.body.error.code).toBe("FENCED")
    expect((await daemon.call("POST", "subscriptions/hook/callback", { wake_id: second.wake.wake_id, generation: 2, done: true }, "not.atoken")).status).toBe(401)
  })

  test("a receiver that answers done acknowledges all the wake was about; one that fails is tried again, and the subscription reads failed until a delivery succeeds", async () => {
    const daemon = await node()
    const hook = receiver()
    let failing = true
    hook.answer = () => (failing ? new Response("down", { status: 503 }) : Response.json({ done: true }))
    await daemon.stream("jobs/a")
    await daemon.call("PUT", "subscriptions/retried", { type: "webhook", streams: ["jobs/a"], webhook: { url: hook.url } })
    const tail = await daemon.append("jobs/a", { job: 1 })
    await hook.delivered(1)
    await waitFor("the failure recorded", async () => (await daemon.call("GET", "subscriptions/retried")).body.status === "failed")
    failing = false
    const retried = await hook.delivered(2)
    // The same wake, delivered again.
    expect(retried.wake.wake_id).toBe(hook.wakes[0]!.wake.wake_id)
    const after = await waitFor("the synchronous done applied", async () => {
      const { body } = await daemon.call("GET", "subscriptions/retried")
      return body.status === "active" && body.streams[0].acked_offset === tail ? body : undefined
    })
    expect(after.streams).toEqual([{ path: "jobs/a", link_type: "explicit", acked_offset: tail }])
    // Acknowledged: nothing is pending, so no further wake.
    expect((await daemon.call("POST", "subscriptions/retried/callback", { wake_id: retried.wake.wake_id, generation: 1, done: true }, retried.wake.callback_token)).body.error.code).toBe("FENCED")
  })
})

describe("pull-wake subscriptions", () => {
  const setup = async (leaseMs = 30_000) => {
    const daemon = await node()
    await daemon.stream("jobs/wakes")
    // The wake stream matches the pattern too: its own announcements must not wake it.
    const created = await daemon.call("PUT", "subscriptions/workers", { type: "pull-wake", pattern: "jobs/*", wake_stream: "jobs/wakes", lease_ttl_ms: leaseMs })
    expect(created.status).toBe(201)
    await daemon.stream("jobs/one")
    const tail = await daemon.append("jobs/one", { job: 1 })
    return { daemon, tail }
  }
  const wakes = (daemon: Node) => daemon.messages<{ type: string; subscription_id: string; stream: string; generation: number }>("jobs/wakes")
  const announced = (daemon: Node, count: number) => waitFor(`${count} wake announcements`, async () => (await wakes(daemon)).length >= count, { timeoutMs: 10_000, everyMs: 10 })

  test("data on a stream the pattern matches is announced on the wake stream; one worker claims it; its token acknowledges; nothing is pending after", async () => {
    const { daemon, tail } = await setup()
    await announced(daemon, 1)
    expect(await wakes(daemon)).toEqual([{ type: "wake", subscription_id: "workers", stream: "jobs/one", generation: 1, ts: expect.any(Number) }])

    const claim = await daemon.call("POST", "subscriptions/workers/claim", { worker: "w1" })
    expect(claim.status).toBe(200)
    expect(claim.body).toMatchObject({ generation: 1, lease_ttl_ms: 30_000, streams: [{ path: "jobs/one", link_type: "glob", tail_offset: tail, has_pending: true }] })
    const other = await daemon.call("POST", "subscriptions/workers/claim", { worker: "w2" })
    expect(other).toMatchObject({ status: 409, body: { error: { code: "ALREADY_CLAIMED", current_holder: "w1", generation: 1 } } })

    const { wake_id, generation, token } = claim.body
    const past = formatOffset(99)
    expect((await daemon.call("POST", "subscriptions/workers/ack", { wake_id, generation, acks: [{ stream: "jobs/one", offset: past }] }, token)).body.error.code).toBe("INVALID_OFFSET")
    expect((await daemon.call("POST", "subscriptions/workers/ack", { wake_id, generation: 7, done: true }, token)).body.error.code).toBe("FENCED")
    expect((await daemon.call("POST", "subscriptions/workers/callback", { wake_id, generation, done: true }, token)).status).toBe(400)
    const ack = await daemon.call("POST", "subscriptions/workers/ack", { wake_id, generation, acks: [{ stream: "jobs/one", offset: tail }], done: true }, token)
    expect(ack).toEqual({ status: 200, body: { ok: true, next_wake: false } })
    expect((await daemon.call("POST", "subscriptions/workers/claim", { worker: "w1" })).body.error.code).toBe("NO_PENDING_WORK")
    // Only the matching stream joined: never the wake stream.
    expect((await daemon.call("GET", "subscriptions/workers")).body.streams).toEqual([{ path: "jobs/one", link_type: "glob", acked_offset: tail }])
    expect(await wakes(daemon)).toHaveLength(1)
  })

  test("a released wake is announced again for the next worker", async () => {
    const { daemon } = await setup()
    await announced(daemon, 1)
    const claim = (await daemon.call("POST", "subscriptions/workers/claim", { worker: "w1" })).body
    expect((await daemon.call("POST", "subscriptions/workers/release", { wake_id: claim.wake_id, generation: claim.generation }, claim.token)).status).toBe(204)
    await announced(daemon, 2)
    expect((await wakes(daemon))[1]).toMatchObject({ stream: "jobs/one", generation: 2 })
    expect((await daemon.call("POST", "subscriptions/workers/claim", { worker: "w2" })).body.generation).toBe(2)
  })

  test("a claim whose lease runs out is fenced off and the work announced again", async () => {
    const { daemon } = await setup(1_000)
    await announced(daemon, 1)
    const lapsed = (await daemon.call("POST", "subscriptions/workers/claim", { worker: "slow" })).body
    await announced(daemon, 2)
    const late = await daemon.call("POST", "subscriptions/workers/ack", { wake_id: lapsed.wake_id, generation: lapsed.generation, done: true }, lapsed.token)
    expect(late.status).toBe(409)
    expect(late.body.error.code).toBe("FENCED")
    expect((await daemon.call("POST", "subscriptions/workers/claim", { worker: "next" })).body.generation).toBeGreaterThan(lapsed.generation)
  })

  test("a stream created later joins when it matches; a stream deleted is forgotten", async () => {
    const { daemon } = await setup()
    await daemon.stream("jobs/late")
    await daemon.stream("other/x")
    await daemon.append("jobs/late", { job: 2 })
    await daemon.append("other/x", { job: 3 })
    const joined = await waitFor("jobs/late joined", async () => {
      const { body } = await daemon.call("GET", "subscriptions/workers")
      return body.streams.length === 2 ? body.streams : undefined
    })
    expect(joined.map((s: { path: string }) => s.path).sort()).toEqual(["jobs/late", "jobs/one"])
    await daemon.store.delete("jobs/one")
    await waitFor("jobs/one forgotten", async () => (await daemon.call("GET", "subscriptions/workers")).body.streams.length === 1)
    expect((await daemon.call("GET", "subscriptions/workers")).body.streams).toMatchObject([{ path: "jobs/late" }])
  })
})

describe("managing subscriptions", () => {
  test("the same configuration again confirms it, another is refused; bad ones are 400; streams are added and removed; deleted ones are gone", async () => {
    const daemon = await node()
    await daemon.stream("a")
    await daemon.stream("b")
    const config = { type: "webhook", streams: ["a"], webhook: { url: "https://hooks.example.com/x" } }
    expect((await daemon.call("PUT", "subscriptions/s1", config)).status).toBe(201)
    expect((await daemon.call("PUT", "subscriptions/s1", config)).status).toBe(200)
    expect((await daemon.call("PUT", "subscriptions/s1", { ...config, streams: ["b"] })).body.error.code).toBe("SUBSCRIPTION_ALREADY_EXISTS")
    const refused = await daemon.call("PUT", "subscriptions/s2", { ...config, webhook: { url: "https://10.0.0.1/hook" } })
    expect(refused).toEqual({ status: 400, body: { error: { code: "WEBHOOK_URL_REJECTED", message: "webhook.url must not point into a private network" } } })
    expect((await daemon.call("PUT", "subscriptions/s3", { type: "pull-wake", pattern: "a" })).body.error.message).toBe("a pull-wake subscription needs wake_stream, the name of a JSON stream")

    expect((await daemon.call("POST", "subscriptions/s1/streams", { streams: ["b"] })).status).toBe(204)
    expect((await daemon.call("GET", "subscriptions/s1")).body.streams.map((s: { path: string }) => s.path)).toEqual(["a", "b"])
    expect((await daemon.call("DELETE", "subscriptions/s1/streams/a")).status).toBe(204)
    expect((await daemon.call("GET", "subscriptions/s1")).body.streams.map((s: { path: string }) => s.path)).toEqual(["b"])

    expect((await daemon.call("DELETE", "subscriptions/s1")).status).toBe(204)
    for (const [method, path] of [["GET", "subscriptions/s1"], ["DELETE", "subscriptions/s1"], ["POST", "subscriptions/s1/streams"]] as const)
      expect((await daemon.call(method, path, method === "POST" ? { streams: ["a"] } : undefined)).body.error.code, `${method} ${path}`).toBe("SUBSCRIPTION_NOT_FOUND")
  })

  test("subscriptions and their acknowledged offsets survive a restart on the same files; wake generations keep counting", async () => {
    const dir = scratchDir("subscriptions-restart")
    const first = await node(dir)
    await first.stream("wakes")
    await first.stream("jobs/one")
    await first.call("PUT", "subscriptions/durable", { type: "pull-wake", streams: ["jobs/one"], wake_stream: "wakes" })
    const tail = await first.append("jobs/one", { job: 1 })
    await waitFor("the wake", async () => (await first.messages("wakes")).length === 1)
    const claim = (await first.call("POST", "subscriptions/durable/claim", { worker: "w" })).body
    await first.call("POST", "subscriptions/durable/ack", { wake_id: claim.wake_id, generation: claim.generation, acks: [{ stream: "jobs/one", offset: tail }], done: true }, claim.token)
    const before = (await first.call("GET", "subscriptions/durable")).body
    first.close()

    const second = await node(dir)
    expect((await second.call("GET", "subscriptions/durable")).body).toEqual(before)
    expect((await second.call("POST", "subscriptions/durable/claim", { worker: "w" })).body.error.code).toBe("NO_PENDING_WORK")
    await second.append("jobs/one", { job: 2 })
    await waitFor("a wake for the new data", async () => (await second.messages("wakes")).length === 2)
    const next = (await second.call("POST", "subscriptions/durable/claim", { worker: "w" })).body
    expect(next.generation).toBeGreaterThan(claim.generation)
  })
})
