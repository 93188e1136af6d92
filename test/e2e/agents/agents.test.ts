// Agents end to end through the compiled binary: the real opencode, started by the daemon the CLI
// starts, with the LLM stub as the model, on each store. The tests share one daemon and one warm
// opencode per store and run in order.
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { AGENT_EVENT } from "../../../src/protocol/agent-events.ts"
import { type AgentEvent, inTerminal, useAgentSandbox, watch } from "../../support/agent-sandbox.ts"
import { failure, text, toolCall, useLlmStub } from "../../support/llm-stub.ts"
import { BINARY } from "../../support/sandbox.ts"
import { STORES, useStore } from "../../support/stores.ts"
import { waitFor } from "../../support/wait.ts"

const stub = useLlmStub()

const jsonLines = (text: string): AgentEvent[] =>
  text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))

const statuses = (list: AgentEvent[]) => list.filter((e) => e.type === "iterate:agent:status:changed").map((e) => e.payload)

describe.each(STORES)("agents through the CLI, on %s", { timeout: 90_000 }, (store) => {
  const agents = useAgentSandbox(stub)
  useStore(store, () => agents.sandbox)

  test("iterate run makes an agent for the directory, prints the reply and exits 0", async () => {
    stub.reply(text("Hello from the stub, streamed in chunks."))
    const run = await agents.iterate(["run", "--dir", agents.project, "say", "hello"])
    expect(run.stdout).toBe("Hello from the stub, streamed in chunks.\n")
    expect(JSON.stringify(stub.turns[0]!.body.messages.at(-1))).toContain("say hello")

    const list = JSON.parse((await agents.iterate(["agents", "--json"])).stdout)
    expect(list).toEqual([
      expect.objectContaining({ name: "project", harness: "opencode", directory: agents.project, status: "idle", stream: `agents/${list[0].id}` }),
    ])
  })

  test("run reuses the directory's agent, takes the message from stdin, and --format json prints valid JSONL", async () => {
    stub.reply(text("Second answer."))
    const run = await agents.iterate(["run", "--dir", agents.project, "--format", "json"], { stdin: "from stdin\n" })
    const lines = jsonLines(run.stdout)
    expect(lines[0]).toMatchObject({ type: "iterate:agent:action:prompt:called", payload: { text: "from stdin" } })
    expect(lines.at(-1)).toMatchObject({ type: "iterate:agent:status:changed", payload: { status: "idle", prompt: lines[0]!.offset } })
    const harness = lines.filter((e) => e.type === "iterate:agent:harness:opencode:event-received")
    expect(harness.some((e) => e.payload.type === "message.part.delta")).toBe(true)
    expect(lines.map((e) => e.offset)).toEqual([...lines.map((e) => e.offset)].sort())
    expect(JSON.parse((await agents.iterate(["agents", "--json"])).stdout)).toHaveLength(1)
    // The same harness session: the model sees the first turn.
    expect(JSON.stringify(stub.turns[0]!.body.messages)).toContain("Hello from the stub, streamed in chunks.")
  })

  test("a run whose model calls opencode's write tool, with edits allowed, leaves the file on disk", async () => {
    const file = join(agents.project, "hello.txt")
    stub.reply(toolCall("write", { filePath: file, content: "written by opencode\n" }), text("I wrote hello.txt."))
    const run = await agents.iterate(["run", "--agent", "project", "--permissions", "allow-edits", "write", "hello.txt"])
    expect(readFileSync(file, "utf8")).toBe("written by opencode\n")
    expect(run.stdout).toBe("I wrote hello.txt.\n")
    expect(run.stderr).toMatch(/^✓ allowed: edit hello\.txt \(by the agent's policy\)\n✓ write \S*hello\.txt \(\+1 −0\)\n$/)
    expect(JSON.parse((await agents.iterate(["agents", "--json"])).stdout)[0]).toMatchObject({ permissions: "allow-edits", allowedTools: [] })
  })

  test("events shows the prompt action, the harness's own events wrapped unchanged, and the status", async () => {
    const all = await agents.events("project")
    const prompts = all.filter((e) => e.type === "iterate:agent:action:prompt:called")
    expect(prompts.map((e) => e.payload.text)).toEqual(["say hello", "from stdin", "write hello.txt"])
    const native = all.filter((e) => e.type === "iterate:agent:harness:opencode:event-received").map((e) => e.payload)
    const sessionId = JSON.parse((await agents.iterate(["agents", "--json"])).stdout)[0].sessionId
    expect(native.every((e) => e.properties.sessionID === sessionId && typeof e.id === "string")).toBe(true)
    expect(native.some((e) => e.type === "message.part.updated" && e.properties.part.type === "tool" && e.properties.part.tool === "write")).toBe(true)
    expect(statuses(all).map((s) => s.status)).toEqual(["busy", "idle", "busy", "idle", "busy", "idle"])
    const asked = all.find((e) => e.type === "iterate:agent:permission:requested")!
    expect(asked.payload).toMatchObject({ id: expect.stringMatching(/^perm_/), tool: "edit", kind: "edit", summary: "edit hello.txt", request: { permission: "edit" } })
    expect(all.find((e) => e.type === "iterate:agent:action:permission-reply:called")!.payload).toEqual({ id: asked.payload.id, decision: "allow", by: "policy" })

    const after = await agents.events("project", prompts[2]!.offset)
    expect(statuses(after)[0]).toEqual({ status: "busy", prompt: prompts[2]!.offset })
    // opencode may still send a late event or two of a finished turn: the text read can only be longer.
    const rawLines = (await agents.iterate(["events", "project", "--raw"])).stdout.trim().split("\n")
    expect(rawLines.slice(0, all.length).map((line) => line.split("  ")[0])).toEqual(all.map((e) => e.offset))
    expect(rawLines[0]).toMatch(/^\d+ {2}\S+ {2}iterate:agent:action:prompt:called {2}\{"text":"say hello"\}$/)
  })

  test("events prints the readable transcript: prompts, replies, tool calls with their permissions and diffs, usage", async () => {
    const transcript = (await agents.iterate(["events", "project"])).stdout
    expect(transcript).toMatch(
      /^> say hello\nHello from the stub, streamed in chunks\.\n> from stdin\nSecond answer\.\n> write hello\.txt\n\? edit hello\.txt — asks for permission \(perm_\w+\)\n✓ allowed: edit hello\.txt \(by the agent's policy\)\n✓ write \S*hello\.txt \(\+1 −0\)\n {2}--- \/dev\/null\n {2}\+\+\+ \S*hello\.txt\n {2}@@ -0,0 \+1,1 @@\n {2}\+written by opencode\nI wrote hello\.txt\.\ntokens: \d+ in, \d+ out; cost \$0\.0000\n$/,
    )
  })

  test("a failing turn prints the harness's error, exits 1 and is recorded on the stream", async () => {
    stub.reply(failure("quota exceeded"))
    const prompt = await agents.iterate(["prompt", "project", "this will fail"], { code: 1 })
    expect(prompt.stderr).toContain("quota exceeded")
    const [agent] = JSON.parse((await agents.iterate(["agents", "--json"])).stdout)
    expect(agent).toMatchObject({ status: "error", error: "quota exceeded" })
    expect(statuses(await agents.events("project")).at(-1)).toMatchObject({ status: "error", error: "quota exceeded" })
  })

  test("abort ends a long streaming reply; the prompt waiting for it says so and exits 1", async () => {
    const long = "word ".repeat(400)
    stub.reply(text(long, { chunkSize: 5, delayMs: 50 }))
    const prompt = watch(agents.sandbox.spawn(["prompt", "project", "talk for a long time"]))
    await waitFor("the reply to start streaming", () => prompt.seen.stdout.length > 0)

    const abort = await agents.iterate(["abort", "project"])
    expect(abort.stderr).toContain("aborting")
    expect(await prompt.exited()).toBe(1)
    expect(prompt.seen.stderr).toContain("the turn was aborted")
    expect(prompt.seen.stdout.length).toBeLessThan(long.length)
    await waitFor("the model request to be cancelled", () => stub.turns[0]!.cancelled)
    expect(statuses(await agents.events("project")).at(-1)).toMatchObject({ status: "idle", aborted: true })

    stub.reply(text("After the abort."))
    expect((await agents.iterate(["prompt", "project", "still there?"])).stdout).toBe("After the abort.\n")
  })

  test("an abort appended with its prompt ends that turn as aborted; the next prompt gets its whole reply; every prompt ends once", async () => {
    const [{ stream }] = JSON.parse((await agents.iterate(["agents", "--json"])).stdout)
    stub.reply(text("word ".repeat(400), { chunkSize: 5, delayMs: 50 }))
    // One append, so the adapter sends the abort the moment opencode has taken the prompt, before
    // opencode reports the turn running: the abort the soak found leaving the next turn hung.
    const appended = await agents.iterate(["streams", "append", stream, JSON.stringify([{ type: AGENT_EVENT.prompt, payload: { text: "never mind" } }, { type: AGENT_EVENT.abort }])])
    const prompt = appended.stdout.trim().split("\n")[0]!
    const end = await waitFor("the aborted turn to end", async () => statuses(await agents.events("project", prompt)).find((s) => s.prompt === prompt && s.status !== "busy"))
    expect(end).toEqual({ status: "idle", prompt, aborted: true })

    // Whether opencode had asked the model yet or not, the next turn has this reply and no other.
    stub.reset()
    stub.reply(text("The next turn, whole."))
    expect((await agents.iterate(["prompt", "project", "and now?"])).stdout).toBe("The next turn, whole.\n")
    expect(stub.turns).toHaveLength(1)

    const all = await agents.events("project")
    expect(all.map((e) => Number.parseInt(e.offset, 10))).toEqual(all.map((_, i) => i + 1))
    // A turn's end is its status; an error about the prompt ends it only when it was never taken.
    const taken = (offset: string) => all.some((e) => e.type === AGENT_EVENT.status && e.payload.prompt === offset)
    const ends = (offset: string) =>
      all.filter((e) =>
        e.type === AGENT_EVENT.status ? e.payload.status !== "busy" && e.payload.prompt === offset : e.type === AGENT_EVENT.error && e.payload.action === offset && !taken(offset),
      )
    const prompts = all.filter((e) => e.type === AGENT_EVENT.prompt)
    expect(prompts.map((p) => ends(p.offset).length)).toEqual(prompts.map(() => 1))
  })

  test("Ctrl-C on run aborts the turn and exits 130", async () => {
    stub.reply(text("word ".repeat(400), { chunkSize: 5, delayMs: 50 }))
    const run = watch(agents.sandbox.spawn(["run", "--agent", "project", "talk for a long time"]))
    await waitFor("the reply to start streaming", () => run.seen.stdout.length > 0)
    run.process.kill("SIGINT")
    expect(await run.exited()).toBe(130)
    await waitFor("the model request to be cancelled", () => stub.turns[0]!.cancelled)
    const all = await agents.events("project")
    expect(all.some((e) => e.type === "iterate:agent:action:abort:called")).toBe(true)
  })

  test("attach opens opencode's TUI on the agent's session", async () => {
    const { stdout } = await agents.iterate(["agents", "new", "--dir", agents.project, "--name", "tui-check"])
    const tui = inTerminal([BINARY, "attach", stdout.trim()], { ...agents.sandbox.env, TERM: "xterm-256color" })
    // opencode names the session after the agent.
    await waitFor("the TUI to show the session", () => tui.screen().includes("tui-check"), { timeoutMs: 60_000 })
    tui.process.kill()
    await tui.process.exited
    expect(tui.screen()).not.toContain("401")
    await agents.iterate(["agents", "rm", "tui-check"])
  })

  test("agents new and rm --purge; an unknown agent is one line naming it and pointing at iterate agents", async () => {
    const made = await agents.iterate(["agents", "new", "--dir", agents.project, "--name", "second", "--model", "stub/stub-model"])
    const id = made.stdout.trim()
    expect(id).toMatch(/^[a-z2-9]{6}$/)
    expect(made.stderr).toContain(`created agent second (opencode in ${agents.project})`)
    const table = (await agents.iterate(["agents"])).stdout
    expect(table).toMatch(new RegExp(`^${id}\\s+second\\s+opencode\\s+idle\\s+stub/stub-model\\s+${agents.project}$`, "m"))
    expect((await agents.iterate(["agents", "new", "--dir", agents.project, "--name", "second"], { code: 1 })).stderr).toBe(
      "iterate: an agent named second exists already\n",
    )

    await agents.iterate(["agents", "rm", "--purge", "--yes", id])
    expect((await agents.iterate(["streams", "--json"])).stdout).not.toContain(`agents/${id}`)
    for (const args of [["prompt", "second", "hi"], ["abort", "second"], ["events", "second"], ["agents", "rm", "second"], ["attach", "second"]]) {
      const result = await agents.iterate(args, { code: 1 })
      expect(result.stderr).toBe("iterate: no agent named second (see: iterate agents)\n")
    }
  })

  test("nodes lists this node alone, alive and holding every agent; agents new --node takes only it", async () => {
    const nodes = async () => JSON.parse((await agents.iterate(["nodes", "--json"])).stdout)
    const [self, ...others] = await nodes()
    expect(others).toEqual([])
    const list: { id: string; node: string }[] = JSON.parse((await agents.iterate(["agents", "--json"])).stdout)
    expect(self).toMatchObject({ alive: true, self: true, url: agents.sandbox.record()!.url, agents: list.map((a) => a.id) })
    expect(list.map((a) => a.node)).toEqual(list.map(() => self.id))
    expect((await agents.iterate(["nodes"])).stdout).toMatch(new RegExp(`^${self.id} \\*\\s+http://127\\.0\\.0\\.1:\\d+\\s+alive\\s+\\d+s ago\\s+${list.map((a) => a.id).join(",")}$`, "m"))

    const placed = (await agents.iterate(["agents", "new", "--dir", agents.project, "--name", "here", "--node", self.id])).stdout.trim()
    expect((await nodes())[0].agents).toEqual([...self.agents, placed])
    await agents.iterate(["agents", "rm", "here"])
    expect((await agents.iterate(["agents", "new", "--dir", agents.project, "--node", "nowhere"], { code: 1 })).stderr).toBe(
      store === "sqlite"
        ? `iterate: no node nowhere: this daemon keeps its agents in SQLite and is the only node (${self.id})\n`
        : "iterate: no node nowhere (see: iterate nodes)\n",
    )
  })

  test("bad agent settings are refused with one line and exit 1", async () => {
    const missing = join(agents.project, "missing")
    expect(existsSync(missing)).toBe(false)
    expect((await agents.iterate(["agents", "new", "--dir", missing], { code: 1 })).stderr).toBe(
      `iterate: the working directory ${missing} does not exist\n`,
    )
    expect((await agents.iterate(["agents", "new", "--dir", agents.project, "--model", "gpt"], { code: 1 })).stderr).toBe(
      'iterate: model "gpt" is not in the form provider/model\n',
    )
    expect((await agents.iterate(["agents", "new", "--harness", "nope"], { code: 1 })).stderr).toBe(
      "iterate: unknown harness nope; available: opencode, claude, pi, codex, gemini, qwen\n",
    )
    expect((await agents.iterate(["run"], { code: 2, stdin: "" })).stderr).toBe("iterate: stdin held no message\n")
    expect((await agents.iterate(["agents", "new", "--permissions", "maybe"], { code: 2 })).stderr).toContain(
      "--permissions must be one of ask, allow-edits, allow-all, deny",
    )
  })

  test("harnesses lists opencode with its version, and the fix for what is missing", async () => {
    const [opencode] = JSON.parse((await agents.iterate(["harnesses", "--json"])).stdout)
    expect(opencode).toMatchObject({ name: "opencode", available: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/) })
    // The sandbox configures the stub in the project only: opencode has no provider of its own.
    expect(opencode.problems).toEqual([{ problem: expect.stringContaining("no model provider"), fix: expect.stringContaining("opencode auth login") }])
    const table = (await agents.iterate(["harnesses"])).stdout
    expect(table).toContain(`opencode  ${opencode.version}  available`)
    expect(table).toContain(`opencode: ${opencode.problems[0].problem}\n  fix: ${opencode.problems[0].fix}\n`)
  })
})
