// Gemini CLI end to end through the compiled binary: the real gemini from npm (the pinned
// devDependency) as the built-in ACP agent `gemini` (harnesses.gemini.acp names the package's
// gemini.js), started by the daemon the CLI starts, with the Gemini stub as its API
// (GOOGLE_GEMINI_BASE_URL). Gemini writes files through the file system iterate lends it over ACP.
// Not the shared harness suite: Gemini CLI 0.61.0 advertises session/load, but its load does not
// always find the session it made over ACP (at times it answers "No previous sessions found for
// this project"), so the suite's restarts would at times lose their context. Here either is right
// as long as nothing is lost silently: the conversation goes on, or the stream says plainly that
// the agent lost its context. (That path is pinned down with a scripted agent in
// test/unit/harness/acp/session.test.ts.)
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { payloadsOf as of, useAgentSandbox, watch } from "../../support/agent-sandbox.ts"
import { functionCall, text, useGeminiStub } from "../../support/gemini-stub.ts"
import { waitFor } from "../../support/wait.ts"

const stub = useGeminiStub()
const agents = useAgentSandbox(stub, "gemini")
const STATUS = "iterate:agent:status:changed"
const asked = () => JSON.stringify(stub.turns.at(-1)!.body.contents)
const pending = async () => JSON.parse((await agents.iterate(["permissions", "--json"])).stdout) as Array<{ id: string; summary: string }>
const request = (summary: string) => waitFor(`a request to ${summary}`, async () => (await pending()).find((p) => p.summary === summary), { timeoutMs: 60_000 })

describe("gemini through the CLI", { timeout: 120_000 }, () => {
  test("run makes a gemini agent, prints the reply streamed from the stub, and the next prompt continues the conversation", async () => {
    stub.reply(text("Hello from the Gemini stub, in chunks."))
    const run = await agents.iterate(["run", "--harness", "gemini", "--dir", agents.project, "say", "hello"])
    expect(run.stdout).toBe("Hello from the Gemini stub, in chunks.\n")
    expect(asked()).toContain("say hello")
    stub.reply(text("I said hello."))
    expect((await agents.iterate(["prompt", "project", "what did you say?"])).stdout).toBe("I said hello.\n")
    expect(asked()).toContain("Hello from the Gemini stub, in chunks.")
    const events = await agents.events("project")
    expect(events.some((e) => e.type === "iterate:agent:harness:gemini:event-received" && e.payload.update?.sessionUpdate === "agent_message_chunk")).toBe(true)
  })

  test("a write the policy allows: gemini writes it through iterate's file system, asked once", async () => {
    stub.reply(functionCall("write_file", { file_path: join(agents.project, "hello.txt"), content: "written by gemini\n" }), text("I wrote hello.txt."))
    const run = await agents.iterate(["run", "--agent", "project", "--permissions", "allow-edits", "write", "hello.txt"])
    expect(readFileSync(join(agents.project, "hello.txt"), "utf8")).toBe("written by gemini\n")
    expect(run.stdout).toBe("I wrote hello.txt.\n")
    expect(run.stderr).toContain("✓ allowed: write hello.txt (by the agent's policy)\n")
    expect(of(await agents.events("project"), "iterate:agent:permission:requested").map((r) => r.summary)).toEqual(["write hello.txt"])
  })

  test("a command asked about and allowed from another command runs; a denied write writes nothing", async () => {
    const command = "echo ran > ran.txt"
    stub.reply(functionCall("run_shell_command", { command, description: "Run it" }), text("Ran it."))
    // --permissions ask: from now on every call asks.
    const prompt = watch(agents.sandbox.spawn(["run", "--agent", "project", "--permissions", "ask", "run it"]))
    const asked = await request(`run \`${command}\``)
    await agents.iterate(["permit", "project", asked.id])
    expect(await prompt.exited()).toBe(0)
    expect(readFileSync(join(agents.project, "ran.txt"), "utf8")).toBe("ran\n")

    stub.reply(functionCall("write_file", { file_path: join(agents.project, "denied.txt"), content: "no\n" }), text("Understood."))
    const denied = watch(agents.sandbox.spawn(["prompt", "project", "write denied.txt"]))
    const write = await request("write denied.txt")
    await agents.iterate(["permit", "project", write.id, "--deny"])
    expect(await denied.exited()).toBe(0)
    expect(denied.seen.stdout).toBe("Understood.\n")
    expect(existsSync(join(agents.project, "denied.txt"))).toBe(false)
  })

  test("abort in the middle of a slow reply ends the turn as aborted; the next prompt works", async () => {
    stub.reply(text("word ".repeat(300), { chunkSize: 5, delayMs: 50 }))
    const prompt = watch(agents.sandbox.spawn(["prompt", "project", "talk for a long time"]))
    await waitFor("the reply to start streaming", () => prompt.seen.stdout.length > 0, { timeoutMs: 60_000 })
    await agents.iterate(["abort", "project"])
    expect(await prompt.exited()).toBe(1)
    expect(prompt.seen.stderr).toContain("the turn was aborted")
    expect(of(await agents.events("project"), STATUS).at(-1)).toMatchObject({ status: "idle", aborted: true })
    stub.reply(text("After the abort."))
    expect((await agents.iterate(["prompt", "project", "still there?"])).stdout).toBe("After the abort.\n")
  })

  test("after a daemon restart the agent answers: in its loaded session, or in a new one the stream says plainly lost the context", async () => {
    const dir = agents.newProject("fresh")
    stub.reply(text("Noted."))
    await agents.iterate(["run", "--harness", "gemini", "--dir", dir, "remember the word tangerine"])
    await agents.iterate(["server", "restart"])
    stub.reply(text("A new conversation."))
    expect((await agents.iterate(["prompt", "fresh", "what was the word?"])).stdout).toBe("A new conversation.\n")
    const errors = of(await agents.events("fresh"), "iterate:agent:error:occurred").map((e) => e.message)
    if (errors.length === 0) expect(asked()).toContain("remember the word tangerine")
    else {
      expect(errors).toEqual([expect.stringMatching(/^gemini could not restore its context \(session\/load .* failed: .*\): this turn starts a new conversation; the turns before it are in this transcript only$/)])
      expect(asked()).not.toContain("remember the word tangerine")
      expect((await agents.iterate(["events", "fresh"])).stdout).toContain("gemini could not restore its context")
    }
  })

  test("harnesses lists gemini as available with the version it answers initialize with", async () => {
    const listed = JSON.parse((await agents.iterate(["harnesses", "--json"])).stdout).find((h: { name: string }) => h.name === "gemini")
    expect(listed).toMatchObject({ available: true, version: "0.61.0", problems: [] })
  })
})
