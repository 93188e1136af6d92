// Agents in worktrees of their own, end to end through the compiled binary: the real opencode
// writing files as the scripted model tells it, real git, on each store. The tests share one
// daemon and one checkout per store and run in order.
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { type AgentSandbox, payloadsOf, useAgentSandbox } from "../../support/agent-sandbox.ts"
import { initRepo, PERSON, TestRepo } from "../../support/git-repo.ts"
import { text, toolCall, useLlmStub } from "../../support/llm-stub.ts"
import { Sandbox } from "../../support/sandbox.ts"
import { STORES, useStore } from "../../support/stores.ts"

const stub = useLlmStub()

interface Listed {
  id: string
  name: string
  directory: string
  worktree?: { root: string; path: string; branch: string; base: string; baseCommit: string; setup: string }
}

/** A project folder wired to the stub, made a git repository on main with `files` committed (opencode.json too). */
const gitProject = (agents: AgentSandbox, name: string, files: Record<string, string>) => initRepo(agents.newProject(name), files)

const listed = async (agents: AgentSandbox, name: string): Promise<Listed> =>
  (JSON.parse((await agents.iterate(["agents", "--json"])).stdout) as Listed[]).find((a) => a.name === name)!

/** The model's turn: write `file` (relative to the agent's folder) with `content`, then say so. */
const writes = (file: string, content: string) => [toolCall("write", { filePath: file, content }), text(`Wrote ${file}.`)] as const

describe.each(STORES)("agents in worktrees, on %s", { timeout: 120_000 }, (store) => {
  const agents = useAgentSandbox(stub)
  useStore(store, () => agents.sandbox)
  let repo: TestRepo
  const archived = (agent: string) => join(agents.sandbox.dir, `archived-${agent}.txt`)

  test("run --worktree: the agent works on its own branch after the setup command; its change shows in diff, not in the checkout", async () => {
    repo = gitProject(agents, "app", {
      "README.md": "# app\n",
      ".gitignore": "setup-env.txt\n",
      "iterate.json": JSON.stringify({
        worktree: {
          setup: 'echo "$ITERATE_AGENT|$ITERATE_ROOT_PATH|$ITERATE_WORKTREE_PATH|$PWD" > setup-env.txt && echo set up',
          archive: `echo "$ITERATE_AGENT|$ITERATE_ROOT_PATH|$ITERATE_WORKTREE_PATH" > "$ITERATE_ROOT_PATH/../archived-$ITERATE_AGENT.txt"`,
        },
      }),
    })
    stub.reply(...writes("hello.txt", "hello from the agent\n"))
    const run = await agents.iterate(["run", "--dir", repo.root, "--worktree", "--permissions", "allow-edits", "add a hello file"])
    expect(run.stdout).toBe("Wrote hello.txt.\n")
    expect(run.stderr).toContain("agent hello-file works on branch iterate/hello-file in ")
    expect(run.stderr).toContain("⚙ setup: echo")
    expect(run.stderr).toContain("✓ setup: exit 0")
    expect(run.stderr).toContain("see its change: iterate diff hello-file")

    const agent = await listed(agents, "hello-file")
    const { worktree } = agent
    expect(worktree).toEqual({
      root: repo.root,
      path: expect.stringMatching(new RegExp(`^${agents.sandbox.env.XDG_DATA_HOME}/iterate/worktrees/app-[0-9a-f]{8}/hello-file$`)),
      branch: "iterate/hello-file",
      base: "main",
      baseCommit: repo.head(),
      setup: "done",
    })
    expect(agent.directory).toBe(worktree!.path)
    expect((await (await agents.sandbox.api(`/v1/agents/${agent.id}`)).json()).worktree).toEqual(worktree)
    expect((await agents.iterate(["agents"])).stdout).toMatch(/\bBRANCH\b[\s\S]*hello-file .*iterate\/hello-file \(from main\)/)

    expect(readFileSync(join(worktree!.path, "hello.txt"), "utf8")).toBe("hello from the agent\n")
    expect(readFileSync(join(worktree!.path, "setup-env.txt"), "utf8")).toBe(`hello-file|${repo.root}|${worktree!.path}|${worktree!.path}\n`)
    expect(existsSync(join(repo.root, "hello.txt"))).toBe(false)
    expect(repo.status()).toBe("")

    const diff = await agents.iterate(["diff", "hello-file"])
    expect(diff.stdout).toMatch(/^diff --git a\/hello\.txt b\/hello\.txt\nnew file mode 100644\nindex 0000000\.\.[0-9a-f]{7}\n--- \/dev\/null\n\+\+\+ b\/hello\.txt\n@@ -0,0 \+1 @@\n\+hello from the agent\n$/)
    expect((await agents.iterate(["diff", "hello-file", "--stat"])).stdout).toBe(" hello.txt | 1 +\n 1 file changed, 1 insertion(+)\n")
    expect((await agents.iterate(["diff", "hello-file", "--name-only"])).stdout).toBe("hello.txt\n")
    const json = JSON.parse((await agents.iterate(["diff", "hello-file", "--json"])).stdout)
    expect(json).toMatchObject({ since: "the merge-base with main", additions: 1, deletions: 0 })
    expect(json.files).toEqual([
      { path: "hello.txt", status: "added", additions: 1, deletions: 0, binary: false, hunks: [{ header: "@@ -0,0 +1 @@", oldStart: 0, oldLines: 0, newStart: 1, newLines: 1, lines: ["+hello from the agent"] }] },
    ])

    const transcript = (await agents.iterate(["events", "hello-file"])).stdout
    expect(transcript).toContain("✓ worktree on branch iterate/hello-file from main\n")
    expect(transcript).toContain("⚙ setup: echo")
    expect(transcript).toContain("  set up\n✓ setup: exit 0 after")
    expect(transcript).toContain("> add a hello file\n")
  })

  test("merge commits the worktree's work with the first prompt and lands it on main in the checkout", async () => {
    const before = repo.head()
    const merge = await agents.iterate(["merge", "hello-file"])
    expect(merge.stdout.trim()).toBe(repo.head())
    expect(merge.stderr).toBe("merged iterate/hello-file into main: 1 file (fast-forward)\n")
    expect(repo.git(["log", "--format=%s|%an", `${before}..HEAD`]).trim()).toBe(`add a hello file|${PERSON.name}`)
    expect(repo.read("hello.txt")).toBe("hello from the agent\n")
    expect(repo.status()).toBe("")
    expect(payloadsOf(await agents.events("hello-file"), "iterate:agent:worktree:merged")).toEqual([
      { branch: "iterate/hello-file", base: "main", commit: repo.head(), squash: false, fastForward: true, files: 1 },
    ])
    expect((await agents.iterate(["merge", "hello-file"])).stderr).toBe("nothing to merge: main has all of iterate/hello-file already\n")
  })

  test("a conflicting merge changes nothing and keeps the agent's work; rm --purge refuses it; merged after resolution", async () => {
    await agents.iterate(["agents", "new", "--dir", repo.root, "--worktree", "--name", "clash", "--permissions", "allow-edits"])
    const { worktree } = await listed(agents, "clash")
    stub.reply(...writes("README.md", "# app, by the agent\n"))
    await agents.iterate(["prompt", "clash", "rewrite the readme"])
    repo.write("README.md", "# app, by the person\n")
    repo.commit("the person's readme")
    const state = () => [repo.head(), repo.status()]
    const before = state()

    const merge = await agents.iterate(["merge", "clash"], { code: 1 })
    expect(merge.stderr).toMatch(/^iterate: merging iterate\/clash into main conflicts in README\.md; nothing was changed\. Resolve it in the agent's worktree/)
    expect(merge.stderr.split("\n")).toHaveLength(2)
    expect(state()).toEqual(before)
    expect(readFileSync(join(worktree!.path, "README.md"), "utf8")).toBe("# app, by the agent\n")
    expect((await agents.iterate(["diff", "clash", "--name-only"])).stdout).toBe("README.md\n")

    const rm = await agents.iterate(["agents", "rm", "--purge", "--yes", "clash"], { code: 1 })
    expect(rm.stderr).toBe("iterate: agent clash's branch iterate/clash holds work not merged into main: 1 file would be lost. Merge it (iterate merge clash) or remove it anyway with --force\n")
    expect(existsSync(worktree!.path)).toBe(true)

    // Resolved in the worktree: main merged in, the conflict settled.
    const wt = new TestRepo(worktree!.path)
    wt.commit("the agent's readme")
    expect(Bun.spawnSync(["git", "merge", "--quiet", "main"], { cwd: wt.root }).exitCode).toBe(1)
    wt.write("README.md", "# app, by both\n")
    wt.commit("resolved")
    expect((await agents.iterate(["merge", "clash"])).stderr).toBe("merged iterate/clash into main: 1 file (fast-forward)\n")
    expect(repo.read("README.md")).toBe("# app, by both\n")
  })

  test("revert undoes the last turn; later turns go on", async () => {
    await agents.iterate(["agents", "new", "--dir", repo.root, "--worktree", "--name", "undo", "--permissions", "allow-edits"])
    const { worktree } = await listed(agents, "undo")
    stub.reply(...writes("a.txt", "a, turn 1\n"))
    await agents.iterate(["prompt", "undo", "write a"])
    stub.reply(toolCall("write", { filePath: "a.txt", content: "a, broken by turn 2\n" }), toolCall("write", { filePath: "b.txt", content: "b\n" }), text("Done."))
    await agents.iterate(["prompt", "undo", "change a, write b"])
    expect((await agents.iterate(["diff", "undo", "--last", "--name-only"])).stdout).toBe("a.txt\nb.txt\n")

    const revert = await agents.iterate(["revert", "undo"])
    expect(revert.stdout.split("\n").sort()).toEqual(["", "removed b.txt", "reverted a.txt"])
    expect(revert.stderr).toMatch(/^undo's files are as they were when turn 2 started \(2 files changed\); what they were is kept as refs\/iterate\/\w+\/reverts\/\d+\n$/)
    expect(readFileSync(join(worktree!.path, "a.txt"), "utf8")).toBe("a, turn 1\n")
    expect(existsSync(join(worktree!.path, "b.txt"))).toBe(false)
    expect((await agents.iterate(["diff", "undo", "--name-only"])).stdout).toBe("a.txt\n")
    expect(payloadsOf(await agents.events("undo"), "iterate:agent:files:reverted")).toEqual([
      expect.objectContaining({ turn: 2, files: expect.arrayContaining([{ path: "b.txt", status: "deleted" }, { path: "a.txt", status: "modified" }]) }),
    ])
    expect((await agents.iterate(["events", "undo"])).stdout).toContain("✓ files put back as they were at the start of turn 2 (2 files)\n  ")

    stub.reply(...writes("c.txt", "c\n"))
    expect((await agents.iterate(["prompt", "undo", "write c"])).stdout).toBe("Wrote c.txt.\n")
    expect((await agents.iterate(["diff", "undo", "--name-only"])).stdout).toBe("a.txt\nc.txt\n")
  })

  test("push sends the branch to the remote (a bare repository); --pr without gh says so", async () => {
    const remote = join(agents.sandbox.dir, "origin.git")
    repo.git(["init", "--quiet", "--bare", remote])
    repo.git(["remote", "add", "origin", remote])
    const push = await agents.iterate(["push", "undo"])
    expect(push.stderr).toBe("pushed iterate/undo to origin\n")
    const { worktree } = await listed(agents, "undo")
    expect(repo.git(["rev-parse", "refs/heads/iterate/undo"], remote)).toBe(repo.git(["rev-parse", "HEAD"], worktree!.path))
    expect(repo.git(["show", "iterate/undo:c.txt"], remote)).toBe("c\n")
    const pr = await agents.iterate(["push", "undo", "--pr"], { code: 1 })
    expect(pr.stderr).toBe("iterate: gh (GitHub's CLI) is not installed where the daemon runs: install it (https://cli.github.com) to open a pull request, or push without --pr\n")
  })

  test("rm archives with unmerged work (restore makes the worktree again); rm --purge refuses it, and with --force (or once merged) runs the archive command and leaves no worktree or branch", async () => {
    const undo = await listed(agents, "undo")
    await agents.iterate(["agents", "rm", "undo"])
    expect(existsSync(undo.worktree!.path)).toBe(false)
    expect(repo.git(["branch", "--list", "iterate/undo"])).toBe("")
    expect(readFileSync(archived("undo"), "utf8")).toBe(`undo|${repo.root}|${undo.worktree!.path}\n`)
    await agents.iterate(["agents", "restore", "undo"])
    expect(readFileSync(join(undo.worktree!.path, "c.txt"), "utf8")).toBe("c\n")

    const rm = await agents.iterate(["agents", "rm", "--purge", "--yes", "undo"], { code: 1 })
    expect(rm.stderr).toContain("holds work not merged into main: 2 files would be lost")
    await agents.iterate(["agents", "rm", "--purge", "--yes", "--force", "undo"])
    const hello = await listed(agents, "hello-file")
    await agents.iterate(["agents", "rm", "--purge", "--yes", "hello-file"])
    await agents.iterate(["agents", "rm", "--purge", "--yes", "clash"])

    const worktrees = repo.git(["worktree", "list", "--porcelain"])
    for (const agent of [undo, hello]) {
      expect(worktrees).not.toContain(agent.worktree!.path)
      expect(existsSync(agent.worktree!.path)).toBe(false)
      expect(readFileSync(archived(agent.name), "utf8")).toBe(`${agent.name}|${repo.root}|${agent.worktree!.path}\n`)
    }
    expect(repo.git(["branch", "--format=%(refname:short)"])).toBe("main\n")
    // The last state of the work rm threw away stays reachable.
    expect(repo.git(["show", `refs/iterate/${undo.id}/final:c.txt`])).toBe("c\n")
    expect(repo.status()).toBe("")
  })

  test("a failing setup says so and the first turn does not start; the next prompt runs it again", async () => {
    const config = readFileSync(join(repo.root, "iterate.json"), "utf8")
    writeFileSync(join(repo.root, "iterate.json"), JSON.stringify({ worktree: { setup: "echo 'no .env to copy' >&2; exit 7" } }))
    stub.reset()
    const run = await agents.iterate(["run", "--dir", repo.root, "--worktree", "make it so"], { code: 1 })
    expect(run.stderr).toContain("✗ setup: exit 7 after")
    expect(run.stderr).toMatch(/iterate: the worktree's setup command \(.*\) exited with 7: no \.env to copy; the next prompt runs it again\n$/)
    expect(stub.turns).toHaveLength(0)
    expect((await listed(agents, "make-it-so")).worktree!.setup).toBe("failed")

    writeFileSync(join(repo.root, "iterate.json"), config)
    stub.reply(text("Now it runs."))
    expect((await agents.iterate(["prompt", "make-it-so", "try again"])).stdout).toBe("Now it runs.\n")
    expect((await listed(agents, "make-it-so")).worktree!.setup).toBe("done")
    await agents.iterate(["agents", "rm", "make-it-so"])
  })

  test("--worktree where it cannot work: one line naming the problem, exit 2 (HTTP 400 with its code)", async () => {
    const plain = agents.newProject("plain")
    expect((await agents.iterate(["agents", "new", "--dir", plain, "--worktree"], { code: 2 })).stderr).toBe(`iterate: ${plain} is not in a git repository: --worktree needs one\n`)
    repo.git(["branch", "taken"])
    expect((await agents.iterate(["run", "--dir", repo.root, "--worktree", "--branch", "taken", "hi"], { code: 2 })).stderr).toBe(
      `iterate: branch taken exists already in ${repo.root}: name another with --branch, or delete it (git branch -D taken)\n`,
    )
    const detached = gitProject(agents, "detached", { "a.txt": "a\n" })
    detached.git(["checkout", "--quiet", "--detach"])
    expect((await agents.iterate(["agents", "new", "--dir", detached.root, "--worktree"], { code: 2 })).stderr).toBe(
      `iterate: the checkout at ${detached.root} has a detached HEAD: name the commit to start from with --base REF\n`,
    )
    const bare = join(agents.sandbox.dir, "bare.git")
    repo.git(["init", "--quiet", "--bare", bare])
    expect((await agents.iterate(["agents", "new", "--dir", bare, "--worktree"], { code: 2 })).stderr).toContain("is in a bare repository")
    expect((await agents.iterate(["agents", "new", "--dir", repo.root, "--branch", "x"], { code: 2 })).stderr).toBe("iterate: --branch and --base go with --worktree\n")
    expect((await agents.iterate(["run", "--agent", "x", "--worktree", "hi"], { code: 2 })).stderr).toBe("iterate: --worktree makes a new agent; --agent names one that exists\n")

    const response = await agents.sandbox.api("/v1/agents", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ directory: plain, worktree: true }) })
    expect(response.status).toBe(400)
    expect((await response.json()).error.code).toBe("not_a_repository")
    expect(JSON.parse((await agents.iterate(["agents", "--json"])).stdout).filter((a: Listed) => a.worktree)).toEqual([])
  })

  test("the daemon removes worktrees whose agent is gone when it starts", async () => {
    await agents.iterate(["server", "stop"])
    const folder = join(agents.sandbox.env.XDG_DATA_HOME!, "iterate", "worktrees", "app-00000000", "ghost")
    repo.git(["worktree", "add", "--quiet", "-b", "iterate/ghost", folder])
    await agents.iterate(["agents"])
    expect(existsSync(folder)).toBe(false)
    expect(repo.git(["worktree", "list", "--porcelain"])).not.toContain(folder)
    expect(readFileSync(agents.sandbox.logPath, "utf8")).toContain(`removed the worktree ${folder}: its agent is gone`)
  })
})

test("without git where the daemon runs, --worktree says so with one line, exit 2", async () => {
  const sandbox = new Sandbox({ PATH: "/nonexistent" })
  try {
    const result = await sandbox.run(["agents", "new", "--dir", sandbox.dir, "--worktree"])
    expect([result.code, result.stderr]).toEqual([2, "iterate: git is not installed where the daemon runs (not found on PATH): --worktree needs it\n"])
  } finally {
    await sandbox.run(["server", "stop"])
    sandbox.close()
  }
})
