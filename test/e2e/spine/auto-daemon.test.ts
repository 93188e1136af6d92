import { afterEach, beforeAll, describe, expect, test } from "vitest"
import { statSync, writeFileSync, mkdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { ROOT, Sandbox, daemonsIn } from "../../support/sandbox.ts"
import { isAlive, waitFor } from "../../support/wait.ts"

let sandbox: Sandbox
afterEach(() => sandbox?.close())

describe("auto-daemon", () => {
  test("server status never starts a daemon and exits 3 when none runs", async () => {
    sandbox = new Sandbox()
    const status = await sandbox.run(["server", "status"])
    expect(status.code).toBe(3)
    expect(status.stdout).toContain("not running")
    expect(sandbox.record()).toBeUndefined()
    expect(daemonsIn(sandbox.dir)).toEqual([])

    const json = await sandbox.run(["server", "status", "--json"])
    expect(json.code).toBe(3)
    expect(JSON.parse(json.stdout)).toEqual({ running: false })
  })

  test("the first command starts the daemon, later ones reuse it, and the record is private", async () => {
    sandbox = new Sandbox()
    const first = await sandbox.run(["streams", "list", "--json"])
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout)).toEqual([])
    const record = sandbox.record()!
    expect(record.url).toBe(`http://127.0.0.1:${record.port}`)
    expect(record.token.length).toBeGreaterThanOrEqual(22) // ≥128 bits in base64url
    expect(statSync(sandbox.recordPath).mode & 0o777).toBe(0o600)
    expect(statSync(dirname(sandbox.recordPath)).mode & 0o777).toBe(0o700)

    const second = await sandbox.run(["streams", "list"])
    expect(second.code).toBe(0)
    expect(sandbox.record()!.instanceId).toBe(record.instanceId)
    expect(daemonsIn(sandbox.dir)).toEqual([record.pid])

    const status = await sandbox.run(["server", "status", "--json"])
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, url: record.url, pid: record.pid, version: record.version })
  })

  test("20 concurrent cold starts all succeed with exactly one daemon", async () => {
    sandbox = new Sandbox()
    const results = await Promise.all(Array.from({ length: 20 }, () => sandbox.run(["streams", "list", "--json"])))
    for (const result of results) expect(result.code, result.stderr).toBe(0)
    const daemons = daemonsIn(sandbox.dir)
    expect(daemons).toHaveLength(1)
    expect(sandbox.record()!.pid).toBe(daemons[0])
  })

  test("a dead pid in the record and a stranger on its port: a fresh daemon starts and the stranger never sees the token", async () => {
    sandbox = new Sandbox()
    const seen: Array<{ path: string; authorization: string | null }> = []
    const stranger = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(request) {
        seen.push({ path: new URL(request.url).pathname, authorization: request.headers.get("authorization") })
        return Response.json({ healthy: true, version: "9.9.9", instanceId: "someone-else", pid: 1 })
      },
    })
    try {
      const dead = Bun.spawnSync(["true"]).pid
      const planted = {
        pid: dead,
        port: stranger.port,
        hostname: "127.0.0.1",
        url: `http://127.0.0.1:${stranger.port}`,
        version: "0.0.1",
        instanceId: "the-one-we-recorded",
        token: "secret-token-that-must-not-leak",
        startedAt: new Date().toISOString(),
      }
      mkdirSync(dirname(sandbox.recordPath), { recursive: true, mode: 0o700 })
      writeFileSync(sandbox.recordPath, JSON.stringify(planted), { mode: 0o600 })

      const result = await sandbox.run(["streams", "list"])
      expect(result.code, result.stderr).toBe(0)
      const record = sandbox.record()!
      expect(record.port).not.toBe(stranger.port)
      expect(record.instanceId).not.toBe(planted.instanceId)
      expect(isAlive(record.pid)).toBe(true)
      expect(seen.length).toBeGreaterThan(0)
      expect(seen.every((r) => r.path === "/health")).toBe(true)
      expect(seen.some((r) => r.authorization !== null)).toBe(false)
    } finally {
      stranger.stop(true)
    }
  })

  test("a spawn lock left by a dead process does not block the start", async () => {
    sandbox = new Sandbox()
    const lock = join(dirname(sandbox.recordPath), "daemon.lock")
    mkdirSync(dirname(lock), { recursive: true, mode: 0o700 })
    writeFileSync(lock, String(Bun.spawnSync(["true"]).pid))
    const result = await sandbox.run(["streams", "list"])
    expect(result.code, result.stderr).toBe(0)
    expect(daemonsIn(sandbox.dir)).toHaveLength(1)
  })

  describe("version mismatch", () => {
    const oldBinary = join(ROOT, "dist", "test", "iterate-0.0.0-old")
    beforeAll(() => {
      const build = Bun.spawnSync(
        ["bun", "build", "--compile", "--define", 'ITERATE_VERSION="0.0.0-old"', "src/index.ts", "--outfile", oldBinary],
        { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
      )
      if (build.exitCode !== 0) throw new Error(build.stderr.toString())
    })

    test("a daemon of another version is stopped and replaced, with one line on stderr", async () => {
      sandbox = new Sandbox()
      const old = await sandbox.run(["server", "start"], { binary: oldBinary })
      expect(old.code, old.stderr).toBe(0)
      const before = sandbox.record()!
      expect(before.version).toBe("0.0.0-old")

      const result = await sandbox.run(["streams", "list", "--json"])
      expect(result.code, result.stderr).toBe(0)
      expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/restarting the daemon.*0\.0\.0-old/)])
      const after = sandbox.record()!
      expect(after.instanceId).not.toBe(before.instanceId)
      expect(after.version).not.toBe("0.0.0-old")
      await waitFor("the old daemon to exit", () => !isAlive(before.pid), { timeoutMs: 5_000 })
      expect(daemonsIn(sandbox.dir)).toEqual([after.pid])
    })
  })

  test("iterate serve refuses a second daemon for the same state folder and says where it runs", async () => {
    sandbox = new Sandbox()
    await sandbox.run(["server", "start"])
    const record = sandbox.record()!
    const second = await sandbox.run(["serve", "--port", "0"])
    expect(second.code).toBe(1)
    expect(second.stderr.trim().split("\n")).toHaveLength(1)
    expect(second.stderr).toContain(record.url)
    expect(sandbox.record()!.instanceId).toBe(record.instanceId)
  })

  test("server stop is graceful and removes the record; restart brings a new one", async () => {
    sandbox = new Sandbox()
    await sandbox.run(["server", "start"])
    const record = sandbox.record()!
    const stop = await sandbox.run(["server", "stop"])
    expect(stop.code).toBe(0)
    expect(isAlive(record.pid)).toBe(false)
    expect(sandbox.record()).toBeUndefined()
    expect(await Bun.file(sandbox.logPath).text()).toContain("stopping: shutdown requested")

    const restart = await sandbox.run(["server", "restart"])
    expect(restart.code).toBe(0)
    expect(restart.stdout.trim()).toBe(sandbox.record()!.url)
  })
})
