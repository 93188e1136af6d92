// SIGTERM, as systemd, launchd or `docker stop` send it: stop accepting, finish what is in flight,
// end live reads, remove the record, exit 0 — and keep everything that was acknowledged.
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, expect, test } from "vitest"
import { RawConnection } from "../../support/raw-http.ts"
import { Sandbox } from "../../support/sandbox.ts"
import { startServe } from "../../support/serve.ts"
import { waitFor } from "../../support/wait.ts"

const sandbox = new Sandbox()
afterAll(() => sandbox.close())

test("SIGTERM finishes an in-flight append, ends live reads, refuses new connections, removes the record, exits 0", async () => {
  const logFile = join(sandbox.dir, "serve.log")
  const serve = await startServe(sandbox, ["--port", "0", "--log-file", logFile])
  const { url, token } = serve.record
  const auth = { authorization: `Bearer ${token}` }
  expect((await fetch(`${url}/v1/stream/work`, { method: "PUT", headers: { ...auth, "content-type": "text/plain" } })).status).toBe(201)

  const live = await fetch(`${url}/v1/stream/work?offset=now&live=sse`, { headers: auth })
  const liveEnded = live.text()
  const upload = new RawConnection(url)
  await upload.write(`POST /v1/stream/work HTTP/1.1\r\nHost: ${new URL(url).host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n01234`)
  // A round trip on another connection, so the server has taken the upload's headers before the signal.
  expect((await fetch(`${url}/v1/streams`, { headers: auth })).status).toBe(200)

  serve.process.kill("SIGTERM")
  await waitFor("the daemon to log the signal", () => readFileSync(logFile, "utf8").includes("stopping: SIGTERM"))
  await expect(fetch(`${url}/health`)).rejects.toThrow()
  expect(existsSync(sandbox.recordPath)).toBe(false)

  await upload.write("56789")
  await upload.closed
  expect(upload.status).toBe(204)
  await liveEnded
  expect(await serve.exited()).toBe(0)

  // The acknowledged append is there for the next daemon.
  const read = await sandbox.run(["streams", "read", "work", "--format", "json"])
  expect(read.code, read.stderr).toBe(0)
  expect(read.stdout).toContain("0123456789")
  await sandbox.run(["server", "stop"])
})

test("a daemon whose port is taken says so in one line and exits 1 instead of hanging", async () => {
  const taken = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("someone else") })
  try {
    const result = await sandbox.run(["serve", "--port", String(taken.port)])
    expect(result.code).toBe(1)
    expect(result.stderr.trim().split("\n").at(-1)).toMatch(new RegExp(`^iterate: .*${taken.port}`))
    expect(existsSync(sandbox.recordPath)).toBe(false)
  } finally {
    taken.stop(true)
  }
})
