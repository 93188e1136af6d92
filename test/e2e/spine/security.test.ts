import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { Sandbox, type DaemonRecord } from "../../support/sandbox.ts"
import { waitFor } from "../../support/wait.ts"

// Bun's fetch lets a test set Host and Origin, as a browser under DNS rebinding or a foreign page would.
describe("security of the local daemon", () => {
  let sandbox: Sandbox
  let record: DaemonRecord
  beforeAll(async () => {
    sandbox = new Sandbox()
    const start = await sandbox.run(["server", "start"])
    expect(start.code, start.stderr).toBe(0)
    record = sandbox.record()!
  })
  afterAll(() => sandbox.close())

  test("every route but /health needs the token", async () => {
    for (const path of ["/v1/streams", "/doc", "/v1/daemon", "/v1/stream/anything"]) {
      const response = await fetch(record.url + path)
      expect(response.status, path).toBe(401)
      expect(await response.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } })
    }
    const wrong = await fetch(record.url + "/v1/streams", { headers: { authorization: `Bearer ${record.token}x` } })
    expect(wrong.status).toBe(401)
    const basic = await fetch(record.url + "/v1/streams", {
      headers: { authorization: `Basic ${btoa(`iterate:${record.token}`)}` },
    })
    expect(basic.status).toBe(401) // Basic is for ITERATE_SERVER_PASSWORD only
    const right = await sandbox.api("/v1/streams")
    expect(right.status).toBe(200)
  })

  test("the shutdown route is authenticated too", async () => {
    const response = await fetch(record.url + "/v1/daemon/shutdown", { method: "POST" })
    expect(response.status).toBe(401)
    expect((await fetch(record.url + "/health")).status).toBe(200)
  })

  test("/health tells identity only", async () => {
    const response = await fetch(record.url + "/health")
    const body = await response.json()
    expect(Object.keys(body).sort()).toEqual(["healthy", "instanceId", "pid", "version"])
    expect(JSON.stringify(body)).not.toContain(record.token)
    expect(response.headers.get("access-control-allow-origin")).toBeNull()
  })

  test("a Host that is not the bound address is refused, compared exactly", async () => {
    for (const host of ["evil.example", `127.0.0.1:${record.port}.evil.example`, `127.0.0.1:${record.port + 1}`, `evil.example:${record.port}`]) {
      const response = await sandbox.api("/v1/streams", { headers: { host } })
      expect(response.status, host).toBeGreaterThanOrEqual(400)
      expect(response.status, host).toBeLessThan(500)
      expect(await response.json()).toMatchObject({ error: { code: "host_not_allowed" } })
    }
    for (const host of [`127.0.0.1:${record.port}`, `localhost:${record.port}`]) {
      expect((await sandbox.api("/v1/streams", { headers: { host } })).status, host).toBe(200)
    }
  })

  test("a foreign Origin is refused even with the token, and there is no wildcard CORS", async () => {
    const response = await sandbox.api("/v1/streams", { headers: { origin: "http://evil.example" } })
    expect(response.status).toBe(403)
    expect(response.headers.get("access-control-allow-origin")).toBeNull()
    const preflight = await fetch(record.url + "/v1/streams", {
      method: "OPTIONS",
      headers: { origin: "http://evil.example", "access-control-request-method": "GET" },
    })
    expect(preflight.status).toBe(403)
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull()
  })

  test("what a browser marks as sent for another site is refused even with credentials; its own pages and tools are not", async () => {
    for (const site of ["cross-site", "same-site"]) {
      const response = await sandbox.api("/v1/streams", { headers: { "sec-fetch-site": site } })
      expect(response.status, site).toBe(403)
      expect((await response.json()).error.code).toBe("cross_site_refused")
    }
    for (const site of ["same-origin", "none"]) expect((await sandbox.api("/v1/streams", { headers: { "sec-fetch-site": site } })).status, site).toBe(200)
  })

  test("bad input is a 4xx JSON error and the daemon keeps running", async () => {
    await sandbox.api("/v1/stream/bad", { method: "PUT", headers: { "content-type": "application/json" } })
    const cases: Array<[string, RequestInit]> = [
      ["/v1/streams/bad/events", { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }],
      ["/v1/streams/bad/events", { method: "POST", headers: { "content-type": "application/json" }, body: "[]" }],
      ["/v1/streams/bad/events", { method: "POST", headers: { "content-type": "application/json" }, body: '[{"type":1}]' }],
      ["/v1/stream/bad?offset=zzz", {}],
      ["/v1/stream/bad?live=forever", {}],
      ["/v1/stream/a%20b", { method: "PUT" }],
      ["/v1/stream/bad", { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" }],
      ["/v1/nope", {}],
    ]
    for (const [path, init] of cases) {
      const response = await sandbox.api(path, init)
      expect(response.status, path).toBeGreaterThanOrEqual(400)
      expect(response.status, path).toBeLessThan(500)
      const body = await response.json()
      expect(body.error.code, path).toEqual(expect.any(String))
      expect(body.error.message, path).toEqual(expect.any(String))
    }
    expect((await fetch(record.url + "/health")).status).toBe(200)
  })
})

describe("remote use with ITERATE_SERVER_PASSWORD", () => {
  let sandbox: Sandbox
  let url: string
  const password = "correct horse battery staple"
  beforeAll(async () => {
    sandbox = new Sandbox({ ITERATE_SERVER_PASSWORD: password })
    const child = sandbox.spawn(["serve", "--port", "0", "--cors", "http://app.example:5173"])
    const record = await waitFor("serve to write its record", () => sandbox.record(), { timeoutMs: 10_000 })
    url = record.url
    expect(child.pid).toBe(record.pid)
  })
  afterAll(() => sandbox.close())

  test("the password works as a bearer token and with Basic auth; a wrong user does not", async () => {
    expect((await fetch(url + "/v1/streams", { headers: { authorization: `Bearer ${password}` } })).status).toBe(200)
    expect((await fetch(url + "/v1/streams", { headers: { authorization: `Basic ${btoa(`iterate:${password}`)}` } })).status).toBe(200)
    expect((await fetch(url + "/v1/streams", { headers: { authorization: `Basic ${btoa(`root:${password}`)}` } })).status).toBe(401)
  })

  test("an allowlisted origin gets CORS for exactly that origin", async () => {
    const origin = "http://app.example:5173"
    const preflight = await fetch(url + "/v1/streams", {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get("access-control-allow-origin")).toBe(origin)
    const response = await fetch(url + "/v1/streams", { headers: { origin, authorization: `Bearer ${password}` } })
    expect(response.status).toBe(200)
    expect(response.headers.get("access-control-allow-origin")).toBe(origin)
    expect(response.headers.get("access-control-expose-headers")).toContain("Stream-Next-Offset")
  })
})

describe("serve", () => {
  test("refuses a non-loopback address without a password, saying how to set one", async () => {
    const sandbox = new Sandbox()
    try {
      const result = await sandbox.run(["serve", "--hostname", "0.0.0.0", "--port", "0"])
      expect(result.code).toBe(1)
      expect(result.stderr.trim().split("\n")).toHaveLength(1)
      expect(result.stderr).toContain("ITERATE_SERVER_PASSWORD")
      expect(sandbox.record()).toBeUndefined()
    } finally {
      sandbox.close()
    }
  })

  test("a remote target that does not answer is an error, never a local auto-start", async () => {
    const sandbox = new Sandbox()
    try {
      const result = await sandbox.run(["--server", "http://127.0.0.1:9", "streams", "list"])
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/^iterate: cannot reach the daemon at http:\/\/127\.0\.0\.1:9/)
      expect(sandbox.record()).toBeUndefined()
    } finally {
      sandbox.close()
    }
  })
})
