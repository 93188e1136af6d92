// The spine's figures: CLI startup, warm and cold commands, daemon idle memory, append rate.
// A compiled Bun hello-world is timed in the same run as the floor, so each figure is also a ratio.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { BINARY, Home, median, ms, table, timeRuns } from "./_support.ts"

const RUNS = 30

function helloWorld(): string {
  const dir = mkdtempSync(join(tmpdir(), "iterate-hello-"))
  writeFileSync(join(dir, "hello.ts"), 'console.log("hello")\n')
  const out = join(dir, "hello")
  const build = Bun.spawnSync(["bun", "build", "--compile", join(dir, "hello.ts"), "--outfile", out], { stdout: "ignore", stderr: "pipe" })
  if (build.exitCode !== 0) throw new Error(build.stderr.toString())
  return out
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024
}

async function appendsPerSecond(home: Home, inFlight: number, total: number): Promise<number> {
  const { url, token } = home.record()
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" }
  const stream = `bench-${inFlight}`
  await fetch(`${url}/v1/stream/${stream}`, { method: "PUT", headers })
  const body = JSON.stringify([{ type: "bench", payload: { text: "x".repeat(40), n: 1 } }])
  let next = 0
  const start = performance.now()
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < total) {
        const response = await fetch(`${url}/v1/streams/${stream}/events`, { method: "POST", headers, body })
        if (response.status !== 201) throw new Error(`append failed: ${response.status}`)
        await response.arrayBuffer()
      }
    }),
  )
  return total / ((performance.now() - start) / 1000)
}

const hello = helloWorld()
const home = new Home()
try {
  const floor = median(timeRuns(home, [hello], RUNS))
  const version = median(timeRuns(home, [BINARY, "--version"], RUNS))
  home.time([BINARY, "server", "start"])
  const warm = median(timeRuns(home, [BINARY, "streams", "list"], RUNS))

  // Idle: a few seconds after start, with nothing asked of it.
  await Bun.sleep(3000)
  const rss = rssMiB(home.record().pid)

  const serial = await appendsPerSecond(home, 1, 2000)
  const parallel = await appendsPerSecond(home, 64, 10000)

  const cold: number[] = []
  for (let i = 0; i < 10; i++) {
    const fresh = new Home()
    try {
      cold.push(fresh.time([BINARY, "streams", "list"]))
    } finally {
      fresh.close()
    }
  }

  const ratio = (v: number) => `${(v / floor).toFixed(1)}×`
  console.log(`\n## Spine (medians; floor = compiled Bun hello-world, ${RUNS} runs each)\n`)
  console.log(
    table(
      ["what", "measured", "× floor", "target"],
      [
        ["hello-world floor", ms(floor), "1.0×", ""],
        ["iterate --version", ms(version), ratio(version), "≤ 15 ms"],
        ["warm `streams list`", ms(warm), ratio(warm), "≤ 30 ms"],
        ["cold `streams list` (spawns the daemon)", ms(median(cold)), ratio(median(cold)), "≤ 400 ms"],
        ["daemon idle RSS", `${rss.toFixed(1)} MiB`, "", "≤ 80 MiB"],
        ["appends/s, 1 in flight (HTTP, each committed)", Math.round(serial), "", ""],
        ["appends/s, 64 in flight", Math.round(parallel), "", ""],
      ],
    ),
  )
} finally {
  home.close()
  rmSync(join(hello, ".."), { recursive: true, force: true })
}
