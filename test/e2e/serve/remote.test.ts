// `iterate serve` as a VPS runs it: a password, a public URL behind a proxy, remote CLIs, and an
// access log. Servers in tests bind 127.0.0.1; the Host header plays the part of the public name.
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { daemonsIn, Sandbox } from "../../support/sandbox.ts"
import { accessLines, startServe } from "../../support/serve.ts"

const password = "correct horse battery staple"

describe("a password-protected server with a public URL", () => {
  let server: Sandbox
  let url: string
  let logFile: string
  beforeAll(async () => {
    server = new Sandbox({ ITERATE_SERVER_PASSWORD: password, ITERATE_SERVER_USERNAME: "ops" })
    logFile = join(server.dir, "serve.log")
    const serve = await startServe(server, ["--port", "0", "--public-url", "https://iterate.example.com", "--log-file", logFile])
    url = serve.record.url
  })
  afterAll(() => server.close())

  test("a remote CLI creates, appends and reads with the password, and starts no daemon of its own", async () => {
    const client = new Sandbox({ ITERATE_SERVER_PASSWORD: password })
    try {
      expect((await client.run(["--server", url, "streams", "create", "remote-demo"])).code).toBe(0)
      const append = await client.run(["streams", "append", "remote-demo", '{"type":"deploy","payload":{"n":1}}', "--server", url])
      expect(append.code, append.stderr).toBe(0)
      const read = await client.run(["streams", "read", "remote-demo", "--format", "json"], { env: { ITERATE_SERVER_URL: url } })
      expect(read.code, read.stderr).toBe(0)
      expect(JSON.parse(read.stdout)).toMatchObject({ type: "deploy", payload: { n: 1 }, streamId: "remote-demo" })

      expect(client.record()).toBeUndefined()
      expect(daemonsIn(client.dir)).toEqual([])
    } finally {
      client.close()
    }
  })

  test("a wrong or missing password is one clear line and exit 1, and still no local daemon", async () => {
    for (const env of [{ ITERATE_SERVER_PASSWORD: "wrong" }, {}] as Record<string, string>[]) {
      const client = new Sandbox(env)
      try {
        const denied = await client.run(["--server", url, "streams", "list"])
        expect(denied.code).toBe(1)
        expect(denied.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^iterate: unauthorized — check ITERATE_SERVER_PASSWORD/)])
        expect(daemonsIn(client.dir)).toEqual([])
      } finally {
        client.close()
      }
    }
  })

  test("Basic auth takes ITERATE_SERVER_USERNAME; the default user is then refused", async () => {
    const basic = (user: string) => ({ authorization: `Basic ${btoa(`${user}:${password}`)}` })
    expect((await fetch(`${url}/v1/streams`, { headers: basic("ops") })).status).toBe(200)
    expect((await fetch(`${url}/v1/streams`, { headers: basic("iterate") })).status).toBe(401)
  })

  test("the public URL's host is answered, with or without its default port; other names are not", async () => {
    const auth = { authorization: `Bearer ${password}` }
    for (const host of ["iterate.example.com", "iterate.example.com:443", "ITERATE.example.com"])
      expect((await fetch(`${url}/v1/streams`, { headers: { ...auth, host } })).status, host).toBe(200)
    for (const host of ["iterate.example.com:8443", "evil.example.com", "iterate.example.com.evil.test"])
      expect((await fetch(`${url}/v1/streams`, { headers: { ...auth, host } })).status, host).toBe(421)
  })

  test("every request leaves one access-log line: time, remote address, method, path, status, duration", async () => {
    const marker = `/v1/stream/access-${Date.now()}`
    await fetch(url + marker, { method: "PUT", headers: { authorization: `Bearer ${password}`, "content-type": "application/json" } })
    await fetch(url + marker + "?offset=-1")
    await fetch(url + marker + "?offset=-1", { headers: { authorization: `Bearer ${password}`, origin: "https://evil.test" } })
    // A crafted path cannot forge a line: it stays percent-encoded.
    await fetch(url + "/v1/stream/x%0Afake%20line", { headers: { authorization: `Bearer ${password}` } })

    const lines = accessLines(logFile)
    const mine = lines.filter((line) => line.path.startsWith(marker))
    expect(mine.map(({ method, path, status }) => [method, path, status])).toEqual([
      ["PUT", marker, 201],
      ["GET", `${marker}?offset=-1`, 401],
      ["GET", `${marker}?offset=-1`, 403],
    ])
    for (const line of mine) {
      expect(line.remote).toBe("127.0.0.1")
      expect(Number.isNaN(Date.parse(line.time))).toBe(false)
      expect(line.ms).toBeGreaterThanOrEqual(0)
    }
    expect(lines.filter((line) => line.path.includes("fake")).map((line) => line.path)).toEqual(["/v1/stream/x%0Afake%20line"])
  })
})
