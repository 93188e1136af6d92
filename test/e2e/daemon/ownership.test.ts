// One daemon per data folder whatever happens to daemon.json: the daemon holds an OS lock on the
// folder for its life and keeps rewriting its record; clients that find no record wait for it.
import { afterEach, describe, expect, test } from "vitest"
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Sandbox, daemonsIn, type DaemonRecord } from "../../support/sandbox.ts"
import { isAlive, waitFor } from "../../support/wait.ts"

let sandbox: Sandbox
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
  sandbox?.close()
})

const dataDir = () => join(sandbox.dir, "data", "iterate")
const lines = (text: string) => text.trim().split("\n").filter(Boolean)

/** A daemon started the usual way, with a stream of `count` events in it. */
async function daemonWithData(count = 5): Promise<DaemonRecord> {
  const start = await sandbox.run(["server", "start"])
  expect(start.code, start.stderr).toBe(0)
  expect((await sandbox.run(["streams", "create", "keep"])).code).toBe(0)
  const events = Array.from({ length: count }, (_, n) => JSON.stringify({ type: "before", payload: { n } })).join("\n")
  expect((await sandbox.run(["streams", "append", "keep", "-"], { stdin: events })).code).toBe(0)
  return sandbox.record()!
}

/** Every event of a stream through the CLI, checked to sit at contiguous offsets 1, 2, 3 … */
async function readEvents(name: string): Promise<{ type: string; payload?: { n?: number } }[]> {
  const read = await sandbox.run(["streams", "read", name, "--format", "json"])
  expect(read.code, read.stderr).toBe(0)
  const events = lines(read.stdout).map((line) => JSON.parse(line))
  expect(events.map((e) => Number.parseInt(e.offset, 10))).toEqual(events.map((_, i) => i + 1))
  return events
}

/** `iterate serve` that is expected to refuse: its exit code and stderr (killed with the sandbox if it does not). */
async function refusedServe(env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  const child = sandbox.spawn(["serve", "--port", "0"], { env })
  const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()])
  return { code, stderr }
}

/** A process of ours that stays alive: a pid a planted record may name without harm. */
function liveStranger(): number {
  const child = Bun.spawn(["sleep", "60"], { stdio: ["ignore", "ignore", "ignore"] })
  cleanups.push(() => child.kill("SIGKILL"))
  return child.pid
}

const deadPid = () => Bun.spawnSync(["true"]).pid

const corruptions: [string, (record: DaemonRecord) => void][] = [
  ["deleted", () => rmSync(sandbox.recordPath)],
  // Then a client finds no daemon at all: the one it starts is refused the folder, and it waits.
  [
    "deleted along with owner.json",
    () => {
      rmSync(sandbox.recordPath)
      rmSync(join(dataDir(), "owner.json"))
    },
  ],
  ["emptied", () => writeFileSync(sandbox.recordPath, "")],
  ["filled with garbage", () => writeFileSync(sandbox.recordPath, "{ not json \u0000\u0001 at all")],
  ["naming a dead process", (record) => writeFileSync(sandbox.recordPath, JSON.stringify({ ...record, pid: deadPid(), port: 1, url: "http://127.0.0.1:1", instanceId: "gone" }))],
  [
    "naming another live process on another port",
    (record) => {
      const stranger = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => Response.json({ healthy: true, version: record.version, instanceId: "someone-else", pid: 1 }) })
      cleanups.push(() => stranger.stop(true))
      const url = `http://127.0.0.1:${stranger.port}`
      writeFileSync(sandbox.recordPath, JSON.stringify({ ...record, pid: liveStranger(), port: stranger.port, url, instanceId: "the-recorded-one" }))
    },
  ],
]

describe("whatever happens to daemon.json", () => {
  test.each(corruptions)("the record %s, then racing clients: one daemon, every client succeeds, the data is intact", async (_, corrupt) => {
    sandbox = new Sandbox()
    const record = await daemonWithData()
    // Twice over: the accidents that used to leave several daemons on one folder came one after another.
    for (let round = 0; round < 2; round++) {
      corrupt(record)
      const clients = await Promise.all([
        ...Array.from({ length: 4 }, () => sandbox.run(["streams", "list", "--json"])),
        ...Array.from({ length: 3 }, (_, n) => sandbox.run(["streams", "append", "keep", JSON.stringify({ type: "during", payload: { n: round * 3 + n } })])),
        sandbox.run(["server", "start"]),
        sandbox.run(["streams", "read", "keep", "--format", "json"]),
      ])
      for (const client of clients) expect(client.code, client.stderr).toBe(0)
      expect(daemonsIn(sandbox.dir)).toEqual([record.pid])
    }
    // The record is the daemon's own again, private, and the daemon never stopped.
    const now = sandbox.record()!
    expect(now).toMatchObject({ pid: record.pid, instanceId: record.instanceId, url: record.url, token: record.token })
    expect(statSync(sandbox.recordPath).mode & 0o777).toBe(0o600)
    const events = await readEvents("keep")
    expect(events.filter((e) => e.type === "before").map((e) => e.payload!.n)).toEqual([0, 1, 2, 3, 4])
    expect(events.filter((e) => e.type === "during").map((e) => e.payload!.n).sort()).toEqual([0, 1, 2, 3, 4, 5])
    expect(await Bun.file(sandbox.logPath).text()).toContain(`rewrote ${sandbox.recordPath}`)
  })

  test("a cold start while daemon.json is missing and the folder's last owner was killed -9 gives one daemon", async () => {
    sandbox = new Sandbox()
    const record = await daemonWithData()
    process.kill(record.pid, "SIGKILL")
    await waitFor("the daemon to die", () => !isAlive(record.pid), { timeoutMs: 5_000 })
    rmSync(sandbox.recordPath)
    const clients = await Promise.all(Array.from({ length: 10 }, () => sandbox.run(["streams", "list", "--json"])))
    for (const client of clients) expect(client.code, client.stderr).toBe(0)
    const daemons = daemonsIn(sandbox.dir)
    expect(daemons).toHaveLength(1)
    expect(sandbox.record()!.pid).toBe(daemons[0])
    expect((await readEvents("keep")).map((e) => e.payload!.n)).toEqual([0, 1, 2, 3, 4])
  })
})

describe("a second iterate serve", () => {
  test("refuses while the record is gone, naming the running daemon's address and pid", async () => {
    sandbox = new Sandbox()
    const record = await daemonWithData()
    rmSync(sandbox.recordPath)
    const second = await refusedServe()
    expect(second.code).toBe(1)
    expect(lines(second.stderr)).toEqual([
      `iterate: a daemon is already running at ${record.url} (pid ${record.pid}) for the data folder ${dataDir()}; stop it with: iterate server stop`,
    ])
    await waitFor("the record to be rewritten", () => sandbox.record()?.instanceId === record.instanceId, { timeoutMs: 5_000 })
    expect(daemonsIn(sandbox.dir)).toEqual([record.pid])
  })

  test("refuses for the same data folder even with another state folder, where no record names the running one", async () => {
    sandbox = new Sandbox()
    const record = await daemonWithData()
    const otherState = join(sandbox.dir, "other-state")
    const second = await refusedServe({ XDG_STATE_HOME: otherState })
    expect(second.code).toBe(1)
    expect(second.stderr).toContain(`already running at ${record.url} (pid ${record.pid})`)
    expect(existsSync(join(otherState, "iterate", "daemon.json"))).toBe(false)
    // The refused one touched nothing: the running daemon serves the data as before.
    expect((await readEvents("keep")).length).toBe(5)
  })
})

describe("without a record", () => {
  test("server status and server stop find the daemon by the pid beside its lock", async () => {
    sandbox = new Sandbox()
    const record = await daemonWithData()
    const owner = JSON.parse(readFileSync(join(dataDir(), "owner.json"), "utf8"))
    expect(owner).toEqual({ pid: record.pid, url: record.url, version: record.version, instanceId: record.instanceId, startedAt: expect.any(String) })
    expect(statSync(join(dataDir(), "owner.json")).mode & 0o777).toBe(0o600)

    rmSync(sandbox.recordPath)
    const status = await sandbox.run(["server", "status", "--json"])
    expect(status.code, status.stderr).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, url: record.url, pid: record.pid, version: record.version })

    rmSync(sandbox.recordPath, { force: true })
    const stop = await sandbox.run(["server", "stop"])
    expect(stop.code, stop.stderr).toBe(0)
    expect(stop.stderr).toBe(`stopped the daemon (pid ${record.pid})\n`)
    expect(isAlive(record.pid)).toBe(false)
    // Stopped gracefully, by SIGTERM: it cleaned up after itself.
    expect(await Bun.file(sandbox.logPath).text()).toContain("stopping: SIGTERM")
    expect(existsSync(join(dataDir(), "owner.json"))).toBe(false)
    expect(sandbox.record()).toBeUndefined()
    expect((await sandbox.run(["server", "status"])).code).toBe(3)
    expect((await sandbox.run(["server", "stop"])).stderr).toBe("no daemon was running\n")
  })

  test("owner.json naming a live process that is no daemon is not trusted: nothing is signalled", async () => {
    sandbox = new Sandbox()
    mkdirSync(dataDir(), { recursive: true })
    const stranger = liveStranger()
    writeFileSync(join(dataDir(), "owner.json"), JSON.stringify({ pid: stranger, url: "http://127.0.0.1:1", version: "0.0.0", instanceId: "x", startedAt: new Date().toISOString() }))
    expect((await sandbox.run(["server", "status"])).code).toBe(3)
    expect((await sandbox.run(["server", "stop"])).stderr).toBe("no daemon was running\n")
    expect(isAlive(stranger)).toBe(true)
    // And it does not stop a daemon from starting.
    const list = await sandbox.run(["streams", "list"])
    expect(list.code, list.stderr).toBe(0)
    expect(daemonsIn(sandbox.dir)).toHaveLength(1)
  })
})

test("after kill -9 of the daemon the lock is free and the next command starts a new one on the same data", async () => {
  sandbox = new Sandbox()
  const record = await daemonWithData()
  process.kill(record.pid, "SIGKILL")
  await waitFor("the daemon to die", () => !isAlive(record.pid), { timeoutMs: 5_000 })
  // Its record and owner.json are left behind, naming a dead daemon.
  expect(sandbox.record()?.pid).toBe(record.pid)
  expect(existsSync(join(dataDir(), "owner.json"))).toBe(true)

  const events = await readEvents("keep")
  expect(events.map((e) => e.payload!.n)).toEqual([0, 1, 2, 3, 4])
  const next = sandbox.record()!
  expect(next.pid).not.toBe(record.pid)
  expect(daemonsIn(sandbox.dir)).toEqual([next.pid])
  expect(JSON.parse(readFileSync(join(dataDir(), "owner.json"), "utf8")).pid).toBe(next.pid)
})
