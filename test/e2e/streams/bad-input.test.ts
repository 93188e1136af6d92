import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { STORES, storeEnv } from "../../support/stores.ts"
import { Sandbox } from "../../support/sandbox.ts"
import { isAlive } from "../../support/wait.ts"
import { createJsonStream, startDaemon } from "./daemon.ts"

const put = (headers: Record<string, string>, body?: string): RequestInit => ({ method: "PUT", headers, body })
const post = (headers: Record<string, string>, body?: string): RequestInit => ({ method: "POST", headers, body })
const producer = (epoch: string, seq: string) => ({ "content-type": "text/plain", "Producer-Id": "p", "Producer-Epoch": epoch, "Producer-Seq": seq })

const BAD: [string, string, RequestInit][] = [
  ["TTL that is not a number", "/v1/stream/new-1", put({ "Stream-TTL": "soon" })],
  ["TTL and Expires-At together", "/v1/stream/new-2", put({ "Stream-TTL": "5", "Stream-Expires-At": "2099-01-01T00:00:00Z" })],
  ["Expires-At that is no date", "/v1/stream/new-3", put({ "Stream-Expires-At": "tomorrow" })],
  ["a fork offset without a source", "/v1/stream/new-4", put({ "Stream-Fork-Offset": "0000000000000000" })],
  ["a fork of a stream that does not exist", "/v1/stream/new-5", put({ "Stream-Forked-From": "/v1/stream/missing" })],
  ["a fork of a path that is no stream name", "/v1/stream/new-6", put({ "Stream-Forked-From": "/v1/stream/../etc/passwd" })],
  ["a fork offset past the source's end", "/v1/stream/new-7", put({ "Stream-Forked-From": "text", "Stream-Fork-Offset": "0000000000000009" })],
  ["a JSON stream created with invalid JSON", "/v1/stream/new-8", put({ "content-type": "application/json" }, "{nope")],
  ["an append of invalid JSON", "/v1/stream/json", post({ "content-type": "application/json" }, "[1,")],
  ["an empty JSON array", "/v1/stream/json", post({ "content-type": "application/json" }, "[]")],
  ["JSON nested deeper than it can be re-serialised", "/v1/stream/json", post({ "content-type": "application/json" }, `${"[".repeat(200_000)}${"]".repeat(200_000)}`)],
  ["an append without a body", "/v1/stream/text", post({ "content-type": "text/plain" })],
  ["an append of another content type", "/v1/stream/text", post({ "content-type": "application/json" }, "{}")],
  ["a producer epoch beyond 2^53", "/v1/stream/text", post(producer("99999999999999999999", "0"), "x")],
  ["a negative producer seq", "/v1/stream/text", post(producer("0", "-1"), "x")],
  ["half the producer headers", "/v1/stream/text", post({ "content-type": "text/plain", "Producer-Id": "p" }, "x")],
  ["an offset with path characters", "/v1/stream/text?offset=../../x", {}],
  ["an offset past the end", "/v1/stream/text?offset=0000000000000099", {}],
  ["a float offset", "/v1/stream/text?offset=1e3", {}],
  ["an unknown live mode", "/v1/stream/text?offset=-1&live=websocket", {}],
  ["a live read without an offset", "/v1/stream/text?live=long-poll", {}],
  ["a name with a .. segment", "/v1/stream/a%2F..%2Fb", {}],
  ["a name with a NUL", "/v1/stream/a%00b", {}],
  ["broken percent-encoding", "/v1/stream/a%E0%A4%A", {}],
  ["a name too long", `/v1/stream/${"n".repeat(300)}`, {}],
  ["a method streams do not have", "/v1/stream/text", { method: "PATCH" }],
  ["a read of a stream that does not exist", "/v1/stream/missing?offset=now&live=long-poll", {}],
]

describe.each(STORES)("on %s", (store) => {
  let sandbox: Sandbox
  beforeAll(async () => {
    sandbox = new Sandbox(await storeEnv(store))
    await startDaemon(sandbox)
    await createJsonStream(sandbox, "json")
    await sandbox.api("/v1/stream/text", { method: "PUT", headers: { "content-type": "text/plain" }, body: "hello" })
  })
  afterAll(() => sandbox?.close())

  test.each(BAD)("%s is a 4xx with a JSON error, never a 5xx", async (_, path, init) => {
    const response = await sandbox.api(path, init)
    expect(response.status).toBeGreaterThanOrEqual(400)
    expect(response.status).toBeLessThan(500)
    expect(await response.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } })
  })

  test("a stream created already past its lifetime is created, then gone", async () => {
    for (const [header, value] of [["Stream-TTL", "0"], ["Stream-Expires-At", "2000-01-01T00:00:00Z"]]) {
      const name = `expired-${header}`
      expect((await sandbox.api(`/v1/stream/${name}`, put({ [header!]: value! }))).status).toBe(201)
      expect((await sandbox.api(`/v1/stream/${name}`, { method: "HEAD" })).status).toBe(404)
    }
  })

  test("after all that the daemon still serves, and the streams are unchanged", async () => {
    expect(isAlive(sandbox.record()!.pid)).toBe(true)
    expect(await (await sandbox.api("/v1/stream/text")).text()).toBe("hello")
    expect(await (await sandbox.api("/v1/stream/json")).json()).toEqual([])
    const names = ((await (await sandbox.api("/v1/streams")).json()) as { streams: { name: string }[] }).streams.map((s) => s.name)
    expect(names).toEqual(["json", "text"])
  })
})
