// The end of an agent's worktree on real repositories: rm refuses unmerged work (and stops
// nothing), runs the archive command, keeps the last state under a ref, and leaves no worktree
// or branch behind; the daemon's prune removes worktrees no agent has.
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { mergeWork } from "../../../src/agents/work/merge.ts"
import { pruneOrphanWorktrees, retireWorktree, unmergedFiles } from "../../../src/agents/work/remove.ts"
import { runWorktreeScript } from "../../../src/agents/work/scripts.ts"
import { makeWorktree } from "../../../src/agents/work/worktree.ts"
import { listWorktrees } from "../../../src/git/worktree.ts"
import type { EventInput } from "../../../src/streams/events.ts"
import { refusal, type TestRepo, testRepo } from "../../support/git-repo.ts"
import { scratchDir } from "../../support/scratch.ts"

async function agentIn(repo: TestRepo, name: string, under = scratchDir("worktrees")) {
  const { worktree, directory } = await makeWorktree({ directory: repo.root, name, under })
  return { id: `id-${name}`, name, directory, worktree }
}

const branches = (repo: TestRepo) => repo.git(["branch", "--format=%(refname:short)"]).trim().split("\n")

describe("removing a worktree agent", () => {
  test("refuses while its branch holds unmerged work, saying how many files would be lost, and stops nothing", async () => {
    const repo = testRepo({ "a.txt": "a\n" })
    const agent = await agentIn(repo, "busy-bee")
    repo.write("a.txt", "changed\n", agent.worktree.path)
    repo.commit("one", agent.worktree.path)
    repo.write("b.txt", "uncommitted\n", agent.worktree.path)
    expect(await unmergedFiles(agent.worktree)).toBe(2)

    let stopped = false
    expect(await refusal(retireWorktree(agent, { stop: async () => void (stopped = true), emit: () => {} }))).toEqual({
      code: "unmerged_work",
      message: "agent busy-bee's branch iterate/busy-bee holds work not merged into main: 2 files would be lost. Merge it (iterate merge busy-bee) or remove it anyway with --force",
    })
    expect(stopped).toBe(false)
    expect(existsSync(agent.worktree.path)).toBe(true)

    // --force removes it all the same; its last state stays reachable under refs/iterate/<agent>/final.
    await retireWorktree(agent, { force: true, stop: async () => {}, emit: () => {} })
    expect(existsSync(agent.worktree.path)).toBe(false)
    expect(branches(repo)).toEqual(["main"])
    expect(repo.git(["show", "refs/iterate/id-busy-bee/final:b.txt"])).toBe("uncommitted\n")
  })

  test("once merged (a squash counts), runs the archive command with the env, and leaves no worktree or branch", async () => {
    const log = join(scratchDir("archive"), "archive.txt")
    const repo = testRepo({
      "iterate.json": JSON.stringify({ worktree: { archive: `echo "$ITERATE_AGENT $ITERATE_ROOT_PATH $ITERATE_WORKTREE_PATH $PWD" > ${log}; echo archived` } }),
    })
    const agent = await agentIn(repo, "done")
    repo.write("feature.txt", "feature\n", agent.worktree.path)
    await mergeWork(agent, { squash: true, message: "feature" })
    expect(await unmergedFiles(agent.worktree)).toBe(0)

    const events: EventInput[] = []
    await retireWorktree(agent, { stop: async () => {}, emit: (e) => events.push(e) })
    const { root, path } = agent.worktree
    expect(readFileSync(log, "utf8")).toBe(`done ${root} ${path} ${path}\n`)
    expect(events.map((e) => e.type)).toEqual([
      "iterate:agent:worktree:script:started",
      "iterate:agent:worktree:script:output",
      "iterate:agent:worktree:script:ended",
      "iterate:agent:worktree:removed",
    ])
    expect(events[1]!.payload).toEqual({ script: "archive", text: "archived\n" })
    expect(events[3]!.payload).toEqual({ path, branch: "iterate/done", final: "refs/iterate/id-done/final" })
    expect((await listWorktrees(repo.root)).map((w) => w.path)).toEqual([root])
    expect(branches(repo)).toEqual(["main"])
    expect(existsSync(path)).toBe(false)
  })

  test("the daemon's prune removes worktrees no agent has, and their repositories forget them; branches stay", async () => {
    const repo = testRepo()
    const under = scratchDir("worktrees")
    const kept = await agentIn(repo, "kept", under)
    const orphan = await agentIn(repo, "orphan", under)
    expect(await pruneOrphanWorktrees(under, new Set([kept.worktree.path]))).toEqual([orphan.worktree.path])
    expect(existsSync(orphan.worktree.path)).toBe(false)
    expect((await listWorktrees(repo.root)).map((w) => w.path)).toEqual([kept.worktree.root, kept.worktree.path])
    expect(branches(repo)).toEqual(["iterate/kept", "iterate/orphan", "main"])
  })
})

describe("the setup command", () => {
  test("runs in the worktree with the checkout, worktree and agent in its env; its output and exit go on the stream; a failure says which command and how", async () => {
    const repo = testRepo({ "iterate.json": JSON.stringify({ worktree: { setup: 'echo "$ITERATE_AGENT in $ITERATE_WORKTREE_PATH from $ITERATE_ROOT_PATH"; echo oops >&2' } }) })
    const agent = await agentIn(repo, "setup")
    const events: EventInput[] = []
    expect(await runWorktreeScript(agent, "setup", (e) => events.push(e))).toEqual({ ok: true })
    const { root, path } = agent.worktree
    expect(events[0]).toEqual({ type: "iterate:agent:worktree:script:started", payload: { script: "setup", command: expect.stringContaining("echo") } })
    const output = events.filter((e) => e.type === "iterate:agent:worktree:script:output").map((e) => (e.payload as { text: string }).text).join("")
    expect(output.split("\n").sort()).toEqual(["", "oops", `setup in ${path} from ${root}`])
    expect(events.at(-1)).toEqual({ type: "iterate:agent:worktree:script:ended", payload: { script: "setup", exitCode: 0, durationMs: expect.any(Number) } })

    repo.write("iterate.json", JSON.stringify({ worktree: { setup: "printf 'installing\\nmissing lockfile\\n' >&2; exit 3" } }))
    expect(await runWorktreeScript(agent, "setup", () => {})).toEqual({
      ok: false,
      problem: "the worktree's setup command (printf 'installing\\nmissing lockfile\\n' >&2; exit 3) exited with 3: missing lockfile",
    })
    // No archive command: nothing runs.
    expect(await runWorktreeScript(agent, "archive", () => {})).toBeUndefined()
  })
})
