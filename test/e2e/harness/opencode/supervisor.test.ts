// How the supervisor behaves when opencode will not start or keeps dying, with the real binary.
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, test } from "vitest"
import { type OpencodeCrash, OpencodeSupervisor } from "../../../../src/harness/opencode/supervisor.ts"
import { useLlmStub } from "../../../support/llm-stub.ts"
import { testOpencodeBinary, useOpencodeProject } from "../../../support/opencode-project.ts"
import { isAlive, waitFor } from "../../../support/wait.ts"

const stub = useLlmStub()
const project = useOpencodeProject(stub)

/** Established connections of this process to `port` on loopback, from /proc. */
function connectionsTo(port: number): number {
  const mine = new Set(
    readdirSync("/proc/self/fd").map((fd) => {
      try {
        return /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))?.[1]
      } catch {
        return undefined
      }
    }),
  )
  return ["/proc/self/net/tcp", "/proc/self/net/tcp6"]
    .flatMap((table) => readFileSync(table, "utf8").split("\n").slice(1))
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 9 && f[3] === "01" && Number.parseInt(f[2]!.split(":").at(-1)!, 16) === port && mine.has(f[9]!)).length
}

describe("OpenCode supervisor", { timeout: 60_000 }, () => {
  const running: OpencodeSupervisor[] = []
  afterEach(async () => {
    await Promise.all(running.splice(0).map((runtime) => runtime.stop()))
  })

  /** A runtime on the test project whose crash reports land in `crashes`. */
  function runtime(options: { env?: Record<string, string>; maxRestarts?: number; healthIntervalMs?: number } = {}) {
    const crashes: OpencodeCrash[] = []
    const opencode = new OpencodeSupervisor({
      binary: testOpencodeBinary(),
      cwd: project.directory,
      logFile: join(project.logDir, "opencode.log"),
      ...options,
      env: { ...process.env, ...project.env, ...options.env },
      onCrash: (crash) => crashes.push(crash),
    })
    running.push(opencode)
    return { opencode, crashes, firstCrash: () => waitFor("the crash report", () => crashes[0]) }
  }

  test("an opencode that dies before listening fails start with its own error, on one line", async () => {
    const notADirectory = join(project.directory, "not-a-directory")
    writeFileSync(notADirectory, "")
    const { opencode } = runtime({ env: { XDG_DATA_HOME: notADirectory } })

    const error: Error = await opencode.ready().then(
      () => new Error("started"),
      (e) => e,
    )
    expect(error.message).toMatch(/^opencode serve exited before listening \(code 1: ENOTDIR: not a directory/)
    expect(error.message).toContain(`(log: ${opencode.logFile})`)
    expect(error.message).not.toContain("\n")
  })

  test("after too many crashes in a row it gives up, and the next request starts opencode again", async () => {
    const { opencode, firstCrash } = runtime({ maxRestarts: 0 })
    await opencode.ready()
    const pid = opencode.pid!

    process.kill(pid, "SIGKILL")
    expect(await firstCrash()).toMatchObject({ pid, restartInMs: undefined })
    expect(opencode.pid).toBeUndefined()

    await opencode.ready()
    expect(opencode.pid).not.toBe(pid)
    expect(isAlive(opencode.pid!)).toBe(true)
  })

  test("calls made at once leave a few connections to opencode open, not one for each until they time out", async () => {
    const { opencode } = runtime()
    const client = await opencode.ready()
    const port = Number(new URL(client.url).port)
    const pid = opencode.pid!
    // Stopped, opencode answers none of the calls while the kernel still accepts their
    // connections, so all of them are open at once however busy the machine is.
    process.kill(pid, "SIGSTOP")
    const calls = Promise.all(Array.from({ length: 24 }, () => client.health(10_000)))
    try {
      await waitFor("the calls to hold more than 4 connections", () => connectionsTo(port) > 4)
    } finally {
      process.kill(pid, "SIGCONT")
    }
    await calls
    await waitFor("the spare connections to close", () => connectionsTo(port) <= 4, { timeoutMs: 5_000 })
  })

  test("an opencode that stops answering is killed and restarted", async () => {
    const { opencode, firstCrash } = runtime({ healthIntervalMs: 200 })
    await opencode.ready()
    const pid = opencode.pid!

    process.kill(pid, "SIGSTOP")
    expect(await firstCrash()).toMatchObject({ pid, reason: "stopped answering health checks", restartInMs: 500 })
    expect(isAlive(pid)).toBe(false)
    await waitFor("the restarted server", () => opencode.pid !== undefined && opencode.pid !== pid)
  })
})
