import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { readSse } from "../../../src/sse/read.ts"
import { STORES, storeEnv } from "../../support/stores.ts"
import { Sandbox } from "../../support/sandbox.ts"
import { createJsonStream, readAll, startDaemon } from "./daemon.ts"

const MiB = 1024 * 1024

describe.each(STORES)("on %s", (store) => {
  let sandbox: Sandbox
  beforeAll(async () => {
    sandbox = new Sandbox(await storeEnv(store))
    await startDaemon(sandbox)
  })
  afterAll(() => sandbox?.close())

  test("multi-MiB binary appends come back byte for byte, in catch-up pages and over SSE (base64)", async () => {
    const chunks = [randomBytes(8 * MiB), randomBytes(3 * MiB), randomBytes(1)]
    expect((await sandbox.api("/v1/stream/blobs", { method: "PUT", headers: { "content-type": "application/octet-stream" } })).status).toBe(201)
    for (const chunk of chunks) {
      const response = await sandbox.api("/v1/stream/blobs", { method: "POST", headers: { "content-type": "application/octet-stream" }, body: chunk })
      expect(response.status).toBe(204)
    }
    const expected = Buffer.concat(chunks)

    const pages: Buffer[] = []
    for (let offset = "-1"; ; ) {
      const response = await sandbox.api(`/v1/stream/blobs?offset=${offset}`)
      pages.push(Buffer.from(await response.arrayBuffer()))
      offset = response.headers.get("Stream-Next-Offset")!
      if (response.headers.get("Stream-Up-To-Date") === "true") break
    }
    expect(Buffer.concat(pages).equals(expected)).toBe(true)

    const sse = await sandbox.api("/v1/stream/blobs?offset=-1&live=sse")
    expect(sse.headers.get("Stream-SSE-Data-Encoding")).toBe("base64")
    const events: Buffer[] = []
    for await (const event of readSse(sse.body!)) {
      if (event.event === "data") events.push(Buffer.from(event.data, "base64"))
      else if (event.event === "control" && JSON.parse(event.data).upToDate) break
    }
    expect(Buffer.concat(events).equals(expected)).toBe(true)
  })

  test("a 5 MiB JSON event round-trips through the events route, the protocol and the CLI", async () => {
    const text = "é".repeat(MiB) + "x".repeat(3 * MiB) // multi-byte characters across the whole payload
    await createJsonStream(sandbox, "big-json")
    const viaEvents = await sandbox.api("/v1/streams/big-json/events", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ type: "big", payload: { text } }]),
    })
    expect(viaEvents.status).toBe(201)
    const viaProtocol = await sandbox.api("/v1/stream/big-json", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "big-raw", text }),
    })
    expect(viaProtocol.status).toBe(204)

    const stored = await readAll<{ type: string; payload?: { text: string }; text?: string }>(sandbox, "big-json")
    expect(stored.map((m) => m.type)).toEqual(["big", "big-raw"])
    expect(stored[0]!.payload!.text === text && stored[1]!.text === text).toBe(true)

    const cli = await sandbox.run(["streams", "read", "big-json", "--format", "json"])
    expect(cli.code, cli.stderr).toBe(0)
    const lines = cli.stdout.trim().split("\n")
    expect(lines).toHaveLength(2)
    expect(JSON.parse(lines[0]!).payload.text === text).toBe(true)
  })
})
