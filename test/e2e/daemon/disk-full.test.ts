// A full disk: appends get a JSON 507, the daemon stays up, nothing acknowledged is lost, and it
// works again once there is room. The disk is really filled: a small tmpfs holding the state and
// data folders (as one disk holds both on a real machine), filled to the last byte, where this
// machine lets a test mount one; and everywhere a file-size limit (RLIMIT_FSIZE, set on the running
// daemon with prlimit), which SQLite meets as a failed write the same way.
import { afterEach, describe, expect, test } from "vitest"
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, symlinkSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Sandbox } from "../../support/sandbox.ts"
import { isAlive } from "../../support/wait.ts"

interface Disk {
  /** makes the sandbox's folders live on this disk, before the daemon starts */
  prepare(sandbox: Sandbox): void
  fill(pid: number): void
  free(pid: number): void
  /** after the daemon is gone */
  remove(): void
}

// Mounting needs root (or CAP_SYS_ADMIN) and a mount binary; without them only the limit is used.
const mountable = (() => {
  const dir = mkdtempSync(join(tmpdir(), "iterate-mount-probe-"))
  try {
    const mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir], { stderr: "ignore" }).exitCode === 0
    if (mounted) Bun.spawnSync(["umount", dir])
    return mounted
  } catch {
    return false
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})()

function tmpfsDisk(): Disk {
  let mountPoint = ""
  let filler = ""
  return {
    prepare(sandbox) {
      mountPoint = join(sandbox.dir, "disk")
      mkdirSync(mountPoint)
      const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", mountPoint], { stderr: "pipe" })
      if (mount.exitCode !== 0) throw new Error(`mount: ${mount.stderr}`)
      for (const folder of ["state", "data"]) {
        mkdirSync(join(mountPoint, folder))
        symlinkSync(join(mountPoint, folder), join(sandbox.dir, folder))
      }
      filler = join(mountPoint, "filler")
    },
    fill() {
      const fd = openSync(filler, "w")
      const block = new Uint8Array(64 * 1024)
      try {
        for (;;) writeSync(fd, block)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error
      }
      // The last few bytes too: tmpfs hands out whole pages.
      try {
        for (;;) writeSync(fd, block.subarray(0, 512))
      } catch {
        // full
      } finally {
        closeSync(fd)
      }
    },
    free: () => rmSync(filler),
    remove: () => void Bun.spawnSync(["umount", "-l", mountPoint]),
  }
}

/** RLIMIT_FSIZE a little above the daemon's largest file: the next files to grow past it cannot. */
function fileSizeLimit(sandbox: () => Sandbox): Disk {
  const prlimit = (pid: number, value: string) => {
    const result = Bun.spawnSync(["prlimit", "--pid", String(pid), `--fsize=${value}:`], { stderr: "pipe" })
    if (result.exitCode !== 0) throw new Error(`prlimit: ${result.stderr}`)
  }
  const largest = (dir: string): number =>
    Math.max(0, ...readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => statSync(join(e.parentPath, e.name)).size))
  return {
    prepare() {},
    fill: (pid) => prlimit(pid, String(largest(sandbox().dir) + 256 * 1024)),
    free: (pid) => prlimit(pid, "unlimited"),
    remove() {},
  }
}

let sandbox: Sandbox
let disk: Disk | undefined
afterEach(async () => {
  const record = sandbox.record()
  if (record && isAlive(record.pid)) process.kill(record.pid, "SIGKILL")
  while (record && isAlive(record.pid)) await Bun.sleep(10)
  disk?.remove()
  sandbox.close()
})

const disks: [string, () => Disk][] = [
  ["a file-size limit", () => fileSizeLimit(() => sandbox)],
  ...(mountable ? ([["a full tmpfs", tmpfsDisk]] as [string, () => Disk][]) : []),
]

const pad = "x".repeat(16 * 1024)
const lines = (text: string) => text.trim().split("\n").filter(Boolean)

async function appendEvent(n: number): Promise<Response> {
  return sandbox.api("/v1/streams/full/events", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify([{ type: "fill", payload: { n, pad } }]),
  })
}

/** The stream's events as the CLI reads them: their n, checked to sit at contiguous offsets. */
async function storedNumbers(): Promise<number[]> {
  const read = await sandbox.run(["streams", "read", "full", "--format", "json"])
  expect(read.code, read.stderr).toBe(0)
  const events = lines(read.stdout).map((line) => JSON.parse(line))
  expect(events.map((e) => Number.parseInt(e.offset, 10))).toEqual(events.map((_, i) => i + 1))
  return events.map((e) => e.payload.n)
}

describe("a full disk", () => {
  test.each(disks)("with %s: appends get a JSON 507, the daemon stays up, nothing acknowledged is lost, and it recovers", async (_, makeDisk) => {
    sandbox = new Sandbox()
    disk = makeDisk()
    disk.prepare(sandbox)
    expect((await sandbox.run(["streams", "create", "full"])).code).toBe(0)
    expect((await sandbox.api("/v1/stream/raw", { method: "PUT", headers: { "content-type": "application/octet-stream" } })).status).toBe(201)
    const { pid } = sandbox.record()!
    const acknowledged: number[] = []
    let n = 0
    for (; n < 20; n++) {
      expect((await appendEvent(n)).status).toBe(201)
      acknowledged.push(n)
    }

    disk.fill(pid)
    // Free pages the database already holds still take a few appends; then there is no room.
    let refused: Response | undefined
    for (let i = 0; i < 2000 && !refused; i++, n++) {
      const response = await appendEvent(n)
      if (response.status === 201) acknowledged.push(n)
      else refused = response
    }
    expect(refused?.status).toBe(507)
    expect(refused!.headers.get("content-type")).toContain("application/json")
    const body = (await refused!.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe("insufficient_storage")
    expect(body.error.message).toMatch(/nothing was written; free some space and try again$/)

    // The Durable Streams append and the CLI meet the same answer.
    let raw: Response | undefined
    for (let i = 0; i < 200 && raw?.status !== 507; i++)
      raw = await sandbox.api("/v1/stream/raw", { method: "POST", headers: { "content-type": "application/octet-stream" }, body: new Uint8Array(64 * 1024) })
    expect(raw!.status).toBe(507)
    expect(((await raw!.json()) as { error: { code: string } }).error.code).toBe("insufficient_storage")
    const cli = await sandbox.run(["streams", "append", "full", JSON.stringify({ type: "cli", payload: { pad: pad.repeat(4) } })])
    expect(cli.code).toBe(1)
    expect(lines(cli.stderr)).toEqual([expect.stringMatching(/^iterate: .*nothing was written; free some space and try again$/)])

    // Still up, still the same daemon, still reading.
    expect(isAlive(pid)).toBe(true)
    expect(((await (await sandbox.api("/health")).json()) as { pid: number }).pid).toBe(pid)
    expect(await storedNumbers()).toEqual(acknowledged)

    disk.free(pid)
    for (let i = 0; i < 5; i++, n++) {
      expect((await appendEvent(n)).status).toBe(201)
      acknowledged.push(n)
    }
    expect(await storedNumbers()).toEqual(acknowledged)

    // And after a restart, from the database alone.
    expect((await sandbox.run(["server", "stop"])).code).toBe(0)
    expect(isAlive(pid)).toBe(false)
    expect(await storedNumbers()).toEqual(acknowledged)
    expect(sandbox.record()!.pid).not.toBe(pid)
  })
})
