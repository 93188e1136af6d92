// `iterate batch` on a terminal (a live table redrawn in place; Ctrl-C detaches and the batch goes
// on in the daemon) and `iterate todos`, through the compiled binary with the real opencode and
// the scripted model.
import { describe, expect, test } from "vitest"
import { inTerminal, useAgentSandbox } from "../../support/agent-sandbox.ts"
import { initRepo } from "../../support/git-repo.ts"
import { afterTool, lastUserText, text, toolCall, useLlmStub } from "../../support/llm-stub.ts"
import { BINARY } from "../../support/sandbox.ts"
import { waitFor } from "../../support/wait.ts"

const stub = useLlmStub()
const agents = useAgentSandbox(stub)

describe("batch and todos on the command line", { timeout: 180_000 }, () => {
  test("on a terminal: a live table redrawn in place; Ctrl-C detaches, says so, and the batch goes on to its end", async () => {
    const repo = initRepo(agents.project, { "README.md": "# app\n" })
    stub.respond((request) => {
      const file = /^write (\S+)/.exec(lastUserText(request))?.[1]
      if (!file) return undefined
      return afterTool(request) ? text(`Wrote ${file}.`) : toolCall("write", { filePath: file, content: `${file}\n` })
    })
    stub.hold(2)
    const file = `${agents.sandbox.dir}/tty.txt`
    await Bun.write(file, "write red.txt\nwrite blue.txt\n")
    const tty = inTerminal([BINARY, "batch", file, "--dir", repo.root], { ...agents.sandbox.env, TERM: "xterm-256color" })
    await waitFor("both tasks done", () => tty.screen().includes("iterate diff AGENT"), { timeoutMs: 150_000 })
    expect(await tty.process.exited).toBe(0)
    const screen = tty.screen()
    expect(screen).toMatch(/TASK\s+HARNESS\s+STATE\s+ELAPSED\s+FILES\s+\+\/−/)
    expect(screen).toMatch(/red-txt\s+opencode\s+done\s+\d+s\s+1\s+\+1 −0/)
    expect(screen).toMatch(/blue-txt\s+opencode\s+done\s+\d+s\s+1\s+\+1 −0/)
    expect(screen).toMatch(/batch b\w+: 2 done, 0 failed in \d+s/)
    // Drawn again in place: up over the last table (3 lines), cleared, written anew.
    expect(tty.raw()).toContain("\x1b[3F\x1b[J")

    stub.hold()
    await Bun.write(file, "write green.txt\n")
    const detached = inTerminal([BINARY, "batch", file, "--dir", repo.root], { ...agents.sandbox.env, TERM: "xterm-256color" })
    await waitFor("its turn at the model", () => stub.inFlight === 1, { timeoutMs: 120_000 })
    await waitFor("the table", () => detached.screen().includes("green-txt"))
    detached.process.kill("SIGINT")
    expect(await detached.process.exited).toBe(130)
    const id = /detached: batch (b\w+) goes on in the daemon; follow it again with: iterate batches \1 --follow/.exec(detached.screen())?.[1]
    expect(id).toBeDefined()
    stub.release()
    const follow = await agents.iterate(["batches", id!, "--follow"])
    expect(follow.stdout).toMatch(/^done\s+green-txt\s+\d+s\s+1 file \+1 −0\nbatch b\w+: 1 done, 0 failed in \d+s\n/)
  })

  test("todos: the agent's list as its newest todo call left it, as text or JSON, from the CLI and the route", async () => {
    const todos = (...statuses: string[]) => statuses.map((status, i) => ({ id: String(i + 1), content: ["read the code", "write the fix", "run the tests"][i], status, priority: i ? "medium" : "high" }))
    stub.reply(toolCall("todowrite", { todos: todos("pending", "pending", "pending") }), toolCall("todowrite", { todos: todos("completed", "in_progress", "cancelled") }), text("Planned."))
    await agents.iterate(["agents", "new", "--dir", agents.project, "--name", "planner"])
    await agents.iterate(["run", "--agent", "planner", "plan the fix"])
    expect((await agents.iterate(["todos", "planner"])).stdout).toBe("[x] read the code\n[>] write the fix\n[-] run the tests\n")
    const json = JSON.parse((await agents.iterate(["todos", "planner", "--json"])).stdout)
    expect(json).toEqual([
      { content: "read the code", status: "completed", priority: "high" },
      { content: "write the fix", status: "in_progress", priority: "medium" },
      { content: "run the tests", status: "cancelled", priority: "medium" },
    ])
    const route = await agents.sandbox.api("/v1/agents/planner/todos")
    expect(await route.json()).toMatchObject({ todos: json })

    await agents.iterate(["agents", "new", "--dir", agents.project, "--name", "quiet"])
    const none = await agents.iterate(["todos", "quiet"])
    expect([none.stdout, none.stderr]).toEqual(["", "agent quiet keeps no todo list (yet)\n"])
    expect((await agents.iterate(["todos", "quiet", "--json"])).stdout).toBe("[]\n")
    const missing = await agents.iterate(["todos", "nobody"], { code: 1 })
    expect(missing.stderr).toMatch(/^iterate: no agent named nobody/)
  })
})
