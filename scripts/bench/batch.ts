// A batch of 20 tasks at once: `iterate batch tasks.txt --parallel 20` in a git repository, each
// task an OpenCode agent in a worktree of its own writing one file as the scripted model (the LLM
// stub) tells it. Measured: the wall time of the command (from its start to its exit, with the
// daemon already up and OpenCode not yet started), and the peak of the resident memory of all the
// processes at work (the daemon and everything below it: `opencode serve` and what it starts),
// summed from /proc every 100 ms. `BATCH_PARALLEL=4,20 bun run bench batch` compares several.
import { readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { descendants } from "../../src/harness/process/tree.ts"
import { afterTool, lastUserText, text, toolCall } from "../../test/support/llm-stub.ts"
import { writeProjectConfig } from "../../test/support/opencode-project.ts"
import { agentHome } from "./_agents.ts"
import { BINARY, rssMiB, table } from "./_support.ts"

const TASKS = 20
const SAMPLE_MS = 100
const PARALLEL = (process.env.BATCH_PARALLEL ?? String(TASKS)).split(",").map(Number)

if (process.platform !== "linux") {
  console.log("batch: reads /proc, so it runs on Linux only")
  process.exit(0)
}

const git = (cwd: string, ...args: string[]) => {
  const run = Bun.spawnSync(["git", ...args], { cwd, stdout: "pipe", stderr: "pipe" })
  if (run.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr}`)
}

const home = agentHome("batch")
const { root, stub, iterate } = home
stub.respond((request) => {
  const file = /^write (\S+)/.exec(lastUserText(request))?.[1]
  if (!file) return undefined
  return afterTool(request) ? text(`Wrote ${file}.`) : toolCall("write", { filePath: file, content: `${file}\n` })
})

interface Run {
  parallel: number
  wallMs: number
  peakMiB: number
  daemonPeakMiB: number
  processes: number
  done: number
  maxInFlight: number
  /** the programs at the peak, biggest first */
  made: string[]
}

async function measure(parallel: number): Promise<Run> {
  const repo = join(root, `repo-${parallel}`)
  Bun.spawnSync(["mkdir", "-p", repo])
  // opencode.json (the stub as the model) is committed, so that every worktree has it.
  writeProjectConfig(repo, stub.url)
  git(repo, "init", "--quiet", "--initial-branch=main")
  git(repo, "add", "--all")
  git(repo, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "--quiet", "-m", "opencode.json")
  const tasks = join(root, `tasks-${parallel}.txt`)
  await Bun.write(tasks, Array.from({ length: TASKS }, (_, i) => `write p${parallel}-f${String(i + 1).padStart(2, "0")}.txt`).join("\n") + "\n")

  const daemon = (JSON.parse(readFileSync(join(root, "state", "iterate", "daemon.json"), "utf8")) as { pid: number }).pid
  stub.maxInFlight = 0
  let peakMiB = 0
  let daemonPeakMiB = 0
  let processes = 0
  let peakBy = new Map<string, { count: number; mib: number }>()
  const sample = () => {
    const tree = [daemon, ...descendants(daemon).map((d) => d.pid)]
    const daemonMiB = rssMiB(daemon)
    const sizes = tree.map((pid) => ({ pid, mib: rssMiB(pid) }))
    const total = sizes.reduce((sum, p) => sum + p.mib, 0)
    if (total > peakMiB) {
      peakMiB = total
      // What the peak is made of, by program.
      peakBy = new Map()
      for (const { pid, mib } of sizes) {
        const name = pid === daemon ? "iterate serve" : program(pid)
        const entry = peakBy.get(name) ?? { count: 0, mib: 0 }
        peakBy.set(name, { count: entry.count + 1, mib: entry.mib + mib })
      }
    }
    daemonPeakMiB = Math.max(daemonPeakMiB, daemonMiB)
    processes = Math.max(processes, tree.length)
  }
  const sampler = setInterval(sample, SAMPLE_MS)
  const start = performance.now()
  const child = Bun.spawn([BINARY, "batch", tasks, "--dir", repo, "--parallel", String(parallel), "--json"], { env: home.env, cwd: root, stderr: "pipe" })
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  const wallMs = performance.now() - start
  clearInterval(sampler)
  if (code !== 0) throw new Error(`iterate batch exited ${code}: ${stderr}${stdout}`)
  const summary = JSON.parse(stdout.trim().split("\n").at(-1)!) as { done: number }
  const made = [...peakBy].sort((a, b) => b[1].mib - a[1].mib).map(([name, { count, mib }]) => `${name} ×${count} ${mib.toFixed(0)} MiB`)
  return { parallel, wallMs, peakMiB, daemonPeakMiB, processes, done: summary.done, maxInFlight: stub.maxInFlight, made }
}

/** A process's program and first argument: "opencode serve". */
function program(pid: number): string {
  try {
    const [binary, first] = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
    return [binary!.split("/").at(-1), first && !first.startsWith("-") && !first.includes("/") ? first : ""].filter(Boolean).join(" ")
  } catch {
    return "?"
  }
}

try {
  await iterate(["agents", "--json"])
  const runs: Run[] = []
  for (const parallel of PARALLEL) {
    runs.push(await measure(parallel))
    // Each run starts without the previous one's agents and OpenCode instances.
    await iterate(["server", "restart"])
  }
  console.log(`\nbatch: ${TASKS} tasks, each an OpenCode agent in its own worktree writing one file (LLM stub)\n`)
  console.log(
    table(
      ["--parallel", "wall time", "tasks done", "turns at the model at once (max)", "peak RSS, all processes", "peak RSS, daemon", "processes (max)"],
      runs.map((r) => [r.parallel, `${(r.wallMs / 1000).toFixed(1)} s`, `${r.done} of ${TASKS}`, r.maxInFlight, `${r.peakMiB.toFixed(0)} MiB`, `${r.daemonPeakMiB.toFixed(0)} MiB`, r.processes]),
    ),
  )
  for (const r of runs) console.log(`\nat the peak of --parallel ${r.parallel}: ${r.made.join(", ")}`)
} finally {
  await iterate(["server", "stop"]).catch(() => "")
  stub.stop()
  rmSync(root, { recursive: true, force: true })
}
