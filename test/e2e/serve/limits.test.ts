// What a hostile or careless client can do to a server's resources: oversized bodies are refused
// with 413 whether or not they announce their length, and slow or idle connections are cut off by
// the server while everyone else is served.
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { RawConnection } from "../../support/raw-http.ts"
import { type DaemonRecord, Sandbox } from "../../support/sandbox.ts"
import { startServe } from "../../support/serve.ts"
import { waitFor } from "../../support/wait.ts"

const LIMIT = 64 * 1024

let sandbox: Sandbox
let record: DaemonRecord
beforeAll(async () => {
  sandbox = new Sandbox()
  record = (await startServe(sandbox, ["--port", "0", "--max-body-size", "64k", "--idle-timeout", "2", "--log-file", join(sandbox.dir, "serve.log")])).record
  expect((await sandbox.api("/v1/stream/limits", { method: "PUT", headers: { "content-type": "text/plain" } })).status).toBe(201)
})
afterAll(() => sandbox.close())

const append = (body: BodyInit, headers: Record<string, string> = {}) =>
  sandbox.api("/v1/stream/limits", { method: "POST", body, headers: { "content-type": "text/plain", ...headers } })

/** A body that does not say how long it is: sent chunked, in 8 KiB pieces. */
function chunked(bytes: number): ReadableStream<Uint8Array> {
  let left = bytes
  return new ReadableStream({
    pull(controller) {
      const size = Math.min(left, 8192)
      if (size === 0) return controller.close()
      controller.enqueue(new Uint8Array(size).fill(120))
      left -= size
    },
  })
}

describe("--max-body-size", () => {
  test("a body of exactly the limit is stored; one byte more is a JSON 413", async () => {
    expect((await append("x".repeat(LIMIT))).status).toBe(204)
    const over = await append("x".repeat(LIMIT + 1))
    expect(over.status).toBe(413)
    expect(await over.json()).toEqual({ error: { code: "payload_too_large", message: expect.stringContaining("65536 bytes") } })
  })

  test("a chunked body is counted as it arrives", async () => {
    const init = { duplex: "half" } as RequestInit
    expect((await sandbox.api("/v1/stream/limits", { ...init, method: "POST", body: chunked(LIMIT), headers: { "content-type": "text/plain" } })).status).toBe(204)
    const over = await sandbox.api("/v1/stream/limits", { ...init, method: "POST", body: chunked(LIMIT * 4), headers: { "content-type": "text/plain" } })
    expect(over.status).toBe(413)
    expect((await over.json()).error.code).toBe("payload_too_large")
  })

  test("the events route and the CLI get the same refusal", async () => {
    const event = JSON.stringify({ type: "big", payload: { text: "y".repeat(LIMIT) } })
    const response = await sandbox.api("/v1/streams/limits-events/events", { method: "POST", body: event, headers: { "content-type": "application/json" } })
    expect(response.status).toBe(413)
    const cli = await sandbox.run(["streams", "append", "limits-events", event])
    expect(cli.code).toBe(1)
    expect(cli.stderr.trim().split("\n")).toEqual([expect.stringContaining("larger than 65536 bytes")])
  })

  test("a stranger's oversized body is refused for its credentials before it is read", async () => {
    const response = await fetch(`${record.url}/v1/stream/limits`, { method: "POST", body: "z".repeat(LIMIT * 2), headers: { "content-type": "text/plain" } })
    expect(response.status).toBe(401)
  })

  test("only the accepted bodies are in the stream", async () => {
    const read = await sandbox.api("/v1/stream/limits?offset=-1")
    expect((await read.text()).length).toBe(LIMIT * 2)
  })
})

describe("slow and idle connections", () => {
  test("are closed by the server, and other clients are served meanwhile; live reads stay open", { timeout: 60_000 }, async () => {
    const live = await sandbox.api("/v1/stream/limits?offset=now&live=sse")
    expect(live.status).toBe(200)
    const liveText = live.text()

    const request = (rest: string) => `POST /v1/stream/limits HTTP/1.1\r\nHost: ${new URL(record.url).host}\r\nAuthorization: Bearer ${record.token}\r\n${rest}`
    const hostile: RawConnection[] = []
    const kinds: Array<(connection: RawConnection) => void> = [
      () => {}, // connects and says nothing
      (c) => void c.write("GET /v1/streams HTTP/1.1\r\nHost: "), // half a request line and headers
      (c) => void c.write(request("Content-Type: text/plain\r\nContent-Length: 1000\r\n\r\nonly a little")), // a body that never finishes
      (c) => void c.write(`GET /health HTTP/1.1\r\nHost: ${new URL(record.url).host}\r\n\r\n`), // done, then kept alive and idle
    ]
    for (let i = 0; i < 200; i++) {
      const connection = new RawConnection(record.url)
      kinds[i % kinds.length]!(connection)
      hostile.push(connection)
    }
    // Slowloris: headers that keep coming, a byte at a time, and never end.
    const trickling = Array.from({ length: 20 }, () => new RawConnection(record.url))
    for (const c of trickling) void c.write("GET /v1/streams HTTP/1.1\r\nX-Slow: ")
    const drip = setInterval(() => trickling.forEach((c) => c.open && void c.write("a")), 250)

    try {
      for (let i = 0; i < 20; i++) expect((await append(`served-${i};`)).status).toBe(204)
      expect((await sandbox.api("/v1/streams")).status).toBe(200)

      for (const c of [...hostile, ...trickling]) await c.closed
      expect(hostile.filter((c) => c.received.startsWith("HTTP/1.1 200")).length).toBe(50)
    } finally {
      clearInterval(drip)
      for (const c of [...hostile, ...trickling]) c.destroy()
    }

    // The live read outlived many idle timeouts and still delivers.
    expect((await append("after-the-storm")).status).toBe(204)
    expect((await sandbox.api("/v1/stream/limits", { method: "POST", headers: { "Stream-Closed": "true" } })).status).toBe(204)
    expect(await liveText).toContain("after-the-storm")
  })
})
