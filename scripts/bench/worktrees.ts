// Agents in worktrees on a 10,000-file repository: making one through iterate (`iterate agents new
// --worktree`, the CLI process and the daemon's work included) against `git worktree add` alone
// (goal ≤ 1.3×), `iterate diff` with 100 changed files (goal ≤ 150 ms warm), and what the agents
// layer adds to each turn on that repository (the snapshot before the prompt goes to the harness).
// Each round times git and iterate in turn (which goes first alternates, so neither always finds
// the page cache warmed by the other), so a slow patch of the machine hits them alike. Worktrees
// are removed only at the end: deleting 10,000 files between rounds would slow the next ones.
// Prints each time and a markdown table of medians.
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { snapshotTo, turnRef } from "../../src/agents/work/snapshots.ts"
import { agentHome } from "./_agents.ts"
import { BINARY, median, ms, table, timedProcess } from "./_support.ts"

const FILES = 10_000
const ROUNDS = 9
const DIFF_RUNS = 15
const CHANGED = 100
const TARGET_RATIO = 1.3
const TARGET_DIFF_MS = 150

const home = agentHome("worktrees")
const { root, env } = home
const repo = join(root, "repo")

function git(args: string[], cwd = repo): string {
  const result = Bun.spawnSync(["git", ...args], { cwd, env, stdout: "pipe", stderr: "pipe" })
  if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr.toString()}`)
  return result.stdout.toString()
}

const timed = (argv: string[], cwd = root) => timedProcess(argv, { cwd, env })

/** 100 folders of 100 files, each a few lines of source. */
function makeRepository(): void {
  mkdirSync(repo)
  git(["init", "--quiet", "--initial-branch=main"])
  git(["config", "user.name", "Bench"])
  git(["config", "user.email", "bench@example.com"])
  for (let d = 0; d < FILES / 100; d++) {
    mkdirSync(join(repo, `pkg${d}`))
    for (let f = 0; f < 100; f++) writeFileSync(join(repo, `pkg${d}`, `file${f}.ts`), `// file ${d}/${f}\nexport const value${f} = ${d * 100 + f}\nexport function f${f}() {\n  return value${f} * 2\n}\n`)
  }
  git(["add", "--all"])
  git(["commit", "--quiet", "-m", "10,000 files"])
}

try {
  makeRepository()
  // The daemon starts once, before anything is timed.
  await home.iterate(["agents"])
  const gitTimes: number[] = []
  const iterateTimes: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const plain = () => timed(["git", "worktree", "add", "--quiet", "--no-track", "-b", `plain/w${round}`, join(root, "plain", `w${round}`), "HEAD"], repo)
    const through = () => timed([BINARY, "agents", "new", "--dir", repo, "--worktree", "--name", `w${round}`])
    if (round % 2 === 0) gitTimes.push(await plain()), iterateTimes.push(await through())
    else iterateTimes.push(await through()), gitTimes.push(await plain())
  }

  await home.iterate(["agents", "new", "--dir", repo, "--worktree", "--name", "diffed"])
  const agent = JSON.parse(await home.iterate(["agents", "--json"])).find((a: { name: string }) => a.name === "diffed")
  const worktree: string = agent.worktree.path
  for (let i = 0; i < CHANGED; i++) {
    const file = join(worktree, `pkg${i}`, "file0.ts")
    writeFileSync(file, `// changed by the agent\n${await Bun.file(file).text()}export const added${i} = true\n`)
  }
  const diff = [BINARY, "diff", "diffed"]
  for (let i = 0; i < 3; i++) await timed(diff)
  const diffTimes: number[] = []
  for (let i = 0; i < DIFF_RUNS; i++) diffTimes.push(await timed(diff))
  const files = JSON.parse(await home.iterate(["diff", "diffed", "--json"])).files.length
  if (files !== CHANGED) throw new Error(`the diff holds ${files} files, not ${CHANGED}`)

  // The daemon's part of a diff, without the CLI process: the route alone.
  const record = JSON.parse(await Bun.file(join(root, "state", "iterate", "daemon.json")).text())
  const routeTimes: number[] = []
  for (let i = 0; i < DIFF_RUNS; i++) {
    const start = performance.now()
    const response = await fetch(`${record.url}/v1/agents/diffed/diff`, { headers: { authorization: `Bearer ${record.token}` } })
    await response.arrayBuffer()
    routeTimes.push(performance.now() - start)
  }

  // What a turn's start costs on this repository: the snapshot the agents layer takes before the prompt.
  const snapshotTimes: number[] = []
  for (let i = 0; i < DIFF_RUNS; i++) {
    const start = performance.now()
    await snapshotTo(worktree, turnRef("bench", String(i).padStart(16, "0")), "bench")
    snapshotTimes.push(performance.now() - start)
  }

  const each = (times: number[]) => times.map((t) => t.toFixed(0)).join(", ")
  console.log(`git worktree add: ${each(gitTimes)} ms\niterate agents new --worktree: ${each(iterateTimes)} ms\niterate diff: ${each(diffTimes)} ms`)
  const ratio = median(iterateTimes) / median(gitTimes)
  console.log(`\nworktrees on a ${FILES.toLocaleString("en")}-file repository (medians of ${ROUNDS} rounds; diff: ${DIFF_RUNS} runs after 3 warm-up)\n`)
  console.log(
    table(
      ["what", "median", "goal"],
      [
        ["git worktree add", ms(median(gitTimes)), ""],
        ["iterate agents new --worktree (CLI process + daemon)", ms(median(iterateTimes)), ""],
        ["ratio", `${ratio.toFixed(2)}×`, `≤ ${TARGET_RATIO}× ${ratio <= TARGET_RATIO ? "✓" : "✗"}`],
        [`iterate diff, ${CHANGED} files changed (CLI process + daemon)`, ms(median(diffTimes)), `≤ ${TARGET_DIFF_MS} ms ${median(diffTimes) <= TARGET_DIFF_MS ? "✓" : "✗"}`],
        ["GET /v1/agents/{agent}/diff alone", ms(median(routeTimes)), ""],
        ["snapshot before a turn", ms(median(snapshotTimes)), ""],
      ],
    ),
  )
} finally {
  await home.iterate(["server", "stop"]).catch(() => {})
  home.stub.stop()
  rmSync(root, { recursive: true, force: true })
}
