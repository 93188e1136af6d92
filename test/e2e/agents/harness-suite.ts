// What claude, pi and codex must do through the compiled binary, with the real harness from npm
// and a scripted model server: a reply, a file written by a tool call, a second prompt in the same
// session, abort, a killed harness process, a restarted daemon, permission requests answered from
// another command (also across a crash), the idle timeout, and no process left behind. One sandbox
// and one daemon per file, tests in order; claude.test.ts, pi.test.ts and codex.test.ts run it with
// what differs between the harnesses (harness-scripts.ts).
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { type AgentEvent, expectKeptAnswerApplied, harnessProcesses, payloadsOf as of, useAgentSandbox, watch } from "../../support/agent-sandbox.ts"
import { conversationOf, type HarnessScript, modelArgs } from "../../support/harness-scripts.ts"
import { descendants } from "../../../src/harness/process/tree.ts"
import { isAlive, waitFor } from "../../support/wait.ts"

const REQUESTED = "iterate:agent:permission:requested"
const REPLY = "iterate:agent:action:permission-reply:called"
const WITHDRAWN = "iterate:agent:permission:withdrawn"
const STATUS = "iterate:agent:status:changed"

const LONG = "word ".repeat(400)

export function harnessSuite<Reply>(script: HarnessScript<Reply>): void {
  const { harness, stub } = script
  const agents = useAgentSandbox(stub, harness)
  const crashed = `iterate:agent:harness:${harness}:crashed`
  const slow = () => script.text(LONG, { chunkSize: 5, delayMs: 50 })
  const ask = async (reply: string, prompt = "are you there?") => {
    stub.reply(script.text(reply))
    return (await agents.iterate(["prompt", "project", prompt])).stdout
  }
  /** everything the model was sent in its latest request */
  const lastAsked = () => conversationOf(stub.turns.at(-1)!)
  const agentJson = async () => JSON.parse((await agents.iterate(["agents", "--json"])).stdout)[0]
  const processes = () => harnessProcesses(agents.sandbox, harness)
  const onlyProcess = async () => (await waitFor(`one ${harness} process`, () => (processes().length === 1 ? processes() : undefined)))[0]!
  const pending = async () => JSON.parse((await agents.iterate(["permissions", "--json"])).stdout) as Array<{ id: string; summary: string; waiting: boolean }>
  const request = (summary: string) => waitFor(`a request to ${summary}`, async () => (await pending()).find((p) => p.summary === summary), { timeoutMs: 60_000 })
  const file = (name: string) => join(agents.project, name)

  describe(`${harness} through the CLI`, { timeout: 120_000 }, () => {
    test("run makes an agent for the directory, prints the reply and exits 0", async () => {
      stub.reply(script.text("Hello from the stub, streamed in chunks."))
      const run = await agents.iterate(["run", "--harness", harness, "--dir", agents.project, ...modelArgs(script), "say", "hello"])
      expect(run.stdout).toBe("Hello from the stub, streamed in chunks.\n")
      expect(lastAsked()).toContain("say hello")
      expect(await agentJson()).toMatchObject({ name: "project", harness, directory: agents.project, status: "idle" })
      expect(processes()).toHaveLength(1)
    })

    test("a second prompt continues the same harness session: the model sees the first turn", async () => {
      const pid = await onlyProcess()
      stub.reply(script.text("I said hello."))
      const run = await agents.iterate(["run", "--harness", harness, "--dir", agents.project, "--format", "json"], { stdin: "what did you say?\n" })
      const lines = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as AgentEvent)
      expect(lines[0]).toMatchObject({ type: "iterate:agent:action:prompt:called", payload: { text: "what did you say?" } })
      expect(lines.some((e) => e.type === `iterate:agent:harness:${harness}:event-received`)).toBe(true)
      expect(lines.at(-1)).toMatchObject({ type: STATUS, payload: { status: "idle", prompt: lines[0]!.offset } })
      expect(lastAsked()).toContain("Hello from the stub, streamed in chunks.")
      expect(JSON.parse((await agents.iterate(["agents", "--json"])).stdout)).toHaveLength(1)
      // The same process carried the second turn.
      expect(processes()).toEqual([pid])
    })

    test("a tool call the policy allows writes the file to disk", async () => {
      stub.reply(script.write(agents.project, "hello.txt", `written by ${harness}\n`), script.text("I wrote hello.txt."))
      const run = await agents.iterate(["run", "--agent", "project", "--permissions", "allow-edits", "write", "hello.txt"])
      expect(readFileSync(file("hello.txt"), "utf8")).toBe(`written by ${harness}\n`)
      expect(run.stdout).toBe("I wrote hello.txt.\n")
      expect(run.stderr).toContain("✓ allowed: write hello.txt (by the agent's policy)\n")
      const [asked] = of(await agents.events("project"), REQUESTED)
      expect(asked).toMatchObject({ kind: "edit", summary: "write hello.txt" })
    })

    test("a request answered allow by permit from a second command: the waiting run goes on and writes the file", async () => {
      stub.reply(script.write(agents.project, "allowed.txt", "allowed\n"), script.text("Done waiting."))
      // --permissions ask: the agent asks again from now on.
      const run = watch(agents.sandbox.spawn(["run", "--agent", "project", "--permissions", "ask", "write allowed.txt"]))
      const asked = await request("write allowed.txt")
      expect(asked.waiting).toBe(true)
      const agent = await agentJson()
      expect(agent.status).toBe("waiting")
      await waitFor("the hint", () => run.seen.stderr.includes(`answer with: iterate permit ${agent.id} ${asked.id} [--always | --deny]`))
      expect(existsSync(file("allowed.txt"))).toBe(false)

      expect((await agents.iterate(["permit", "project", asked.id])).stderr).toBe(`allowed: ${asked.id}\n`)
      expect(await run.exited()).toBe(0)
      expect(run.seen.stdout).toBe("Done waiting.\n")
      expect(readFileSync(file("allowed.txt"), "utf8")).toBe("allowed\n")
      expect(await pending()).toEqual([])
    })

    test("a request answered deny: nothing is written and the turn ends cleanly", async () => {
      // A harness that ends the turn on a refusal does not ask the model again.
      const answer = script.endsTurnOnDeny ? "" : "Understood, I did not write it.\n"
      stub.reply(script.write(agents.project, "denied.txt", "no\n"), ...(answer ? [script.text(answer.trim())] : []))
      const prompt = watch(agents.sandbox.spawn(["prompt", "project", "write denied.txt"]))
      const asked = await request("write denied.txt")
      await agents.iterate(["permit", "project", asked.id, "--deny"])
      expect(await prompt.exited()).toBe(0)
      expect(prompt.seen.stderr).toContain("✗ denied: write denied.txt")
      expect(prompt.seen.stdout).toBe(answer)
      expect(existsSync(file("denied.txt"))).toBe(false)
      expect(of(await agents.events("project"), REPLY).at(-1)).toEqual({ id: asked.id, decision: "deny" })
      expect(await agentJson()).toMatchObject({ status: "idle" })
    })

    test(`abort in the middle of a slow reply ends the turn; the process ${script.restartsAfterAbort ? "starts afresh in the same session" : "stays"} and the next prompt works`, async () => {
      const pid = await onlyProcess()
      stub.reply(slow())
      const prompt = watch(agents.sandbox.spawn(["prompt", "project", "talk for a long time"]))
      await waitFor("the reply to start streaming", () => prompt.seen.stdout.length > 0, { timeoutMs: 60_000 })
      expect((await agents.iterate(["abort", "project"])).stderr).toContain("aborting")
      expect(await prompt.exited()).toBe(1)
      expect(prompt.seen.stderr).toContain("the turn was aborted")
      expect(prompt.seen.stdout.length).toBeLessThan(LONG.length)
      await waitFor("the model request to be cancelled", () => stub.turns.at(-1)!.cancelled)
      expect(of(await agents.events("project"), STATUS).at(-1)).toMatchObject({ status: "idle", aborted: true })

      expect(await ask("After the abort.", "still there?")).toBe("After the abort.\n")
      if (script.restartsAfterAbort) expect(await onlyProcess()).not.toBe(pid)
      else expect(processes()).toEqual([pid])
    })

    if (script.killable !== false) test("a killed harness process: the turn fails, the crash is on the stream, the next prompt respawns it in the same session", async () => {
      const pid = await onlyProcess()
      stub.reply(slow())
      const prompt = watch(agents.sandbox.spawn(["prompt", "project", "talk for a long time"]))
      await waitFor("the reply to start streaming", () => prompt.seen.stdout.length > 0, { timeoutMs: 60_000 })
      process.kill(pid, "SIGKILL")
      expect(await prompt.exited()).toBe(1)
      expect(prompt.seen.stderr).toContain("SIGKILL")
      const crash = of(await agents.events("project"), crashed)
      expect(crash).toEqual([expect.objectContaining({ pid, reason: "exited (signal SIGKILL)", logFile: expect.stringContaining(`${harness}-`) })])
      expect(existsSync(crash[0].logFile)).toBe(true)
      expect(await agentJson()).toMatchObject({ status: "error", error: expect.stringContaining("SIGKILL") })

      stub.reset()
      expect(await ask("Back after the crash.", "are you back?")).toBe("Back after the crash.\n")
      expect(lastAsked()).toContain("Hello from the stub, streamed in chunks.")
      const respawned = await onlyProcess()
      expect(respawned).not.toBe(pid)
    })

    const interruptions: Array<[string, string, () => Promise<void>]> = [
      ["a killed harness", "kept.txt", async () => void process.kill(await onlyProcess(), "SIGKILL")],
      ["a daemon restart", "kept-over-restart.txt", async () => void (await agents.iterate(["server", "restart"]))],
    ]
    for (const [what, name, interrupt] of interruptions.slice(script.killable === false ? 1 : 0))
      test(`a request left waiting by ${what} stays answerable; when the respawned harness asks the same, that answer applies`, async () => {
        const command = `echo kept > ${name}`
        stub.reply(script.command(command))
        await agents.iterate(["prompt", "project", "--no-wait", "keep it"])
        const asked = await request(`run \`${command}\``)
        await interrupt()
        await waitFor("the turn to fail", async () => (await agentJson()).status === "error")
        expect(await pending()).toEqual([{ ...asked, waiting: false }])
        expect(of(await agents.events("project"), WITHDRAWN).map((w) => w.id)).not.toContain(asked.id)
        await agents.iterate(["permit", "project", asked.id])
        expect(await pending()).toEqual([])

        // The model asks for the same command again in the next turn: nobody is asked twice.
        stub.reset()
        stub.reply(script.command(command), script.text("Kept."))
        expect((await agents.iterate(["prompt", "project", "go on"])).stdout).toBe("Kept.\n")
        expect(readFileSync(file(name), "utf8")).toBe("kept\n")
        await expectKeptAnswerApplied(agents, "project", asked.id)
      })

    test("the daemon restarted between two prompts: the second continues the same session", async () => {
      const before = await agentJson()
      expect(await ask("Before the restart.", "remember the word tangerine")).toBe("Before the restart.\n")
      const pid = await onlyProcess()
      await agents.iterate(["server", "restart"])
      expect(isAlive(pid)).toBe(false)
      expect(processes()).toEqual([])

      expect(await ask("The word was tangerine.", "what was the word?")).toBe("The word was tangerine.\n")
      expect(lastAsked()).toContain("remember the word tangerine")
      expect(lastAsked()).toContain("Before the restart.")
      // The same agent, but for what the turn in between spent (a harness that reports cost).
      expect(await agentJson()).toEqual({ ...before, status: "idle", spentUsd: expect.any(Number) })
    })

    test("killing the daemon while a tool runs takes the harness and its command along, and the agent answers on the next daemon", async () => {
      const command = "touch started.txt && sleep 300"
      stub.reply(script.command(command))
      await agents.iterate(["prompt", "project", "--no-wait", "wait a while"])
      await agents.iterate(["permit", "project", (await request(`run \`${command}\``)).id])
      await waitFor("the command to start", () => existsSync(file("started.txt")))
      const pid = await onlyProcess()
      const sleeper = await waitFor("the sleep", () => descendants(pid).find((p) => readFileSync(`/proc/${p.pid}/cmdline`, "utf8").startsWith("sleep\0"))?.pid)
      process.kill(agents.sandbox.record()!.pid, "SIGKILL")
      await waitFor(`${harness} and its command to stop with the daemon`, () => !isAlive(pid) && !isAlive(sleeper))
      // What the harness ran besides (Claude Code under claude-agent-acp) goes within the watchdog's second of grace.
      await waitFor(`no ${harness} process left`, () => processes().length === 0, { timeoutMs: 5_000 })

      await agents.iterate(["agents"])
      expect(await agentJson()).toMatchObject({ status: "error", error: "the daemon stopped during the turn" })
      stub.reset()
      expect(await ask("New daemon, same session.", "and now?")).toBe("New daemon, same session.\n")
      expect(lastAsked()).toContain("remember the word tangerine")
    })

    test("with a short harnesses idleTimeoutMs the idle process closes, and the next prompt resumes the session", async () => {
      await agents.iterate(["config", "set", `harnesses.${harness}.idleTimeoutMs`, "1000"])
      await agents.iterate(["server", "restart"])
      try {
        const from = (await agents.events("project")).at(-1)!.offset
        expect(await ask("Before the nap.", "remember the word plum")).toBe("Before the nap.\n")
        const pid = await onlyProcess()
        await waitFor("the idle process to close", () => !isAlive(pid), { timeoutMs: 15_000 })
        // What it ran (Claude Code under claude-agent-acp) is stopped as it exits, and takes a moment to go.
        await waitFor(`no ${harness} process left`, () => processes().length === 0, { timeoutMs: 5_000 })

        expect(await ask("The word was plum.", "what was the word?")).toBe("The word was plum.\n")
        expect(lastAsked()).toContain("remember the word plum")
        expect(of(await agents.events("project", from), crashed)).toEqual([])
      } finally {
        await agents.iterate(["config", "unset", `harnesses.${harness}.idleTimeoutMs`])
        await agents.iterate(["server", "restart"])
      }
    })

    test(`harnesses lists ${harness} as available, with its version and nothing missing`, async () => {
      const listed = JSON.parse((await agents.iterate(["harnesses", "--json"])).stdout).find((h: { name: string }) => h.name === harness)
      expect(listed).toMatchObject({ available: true, version: expect.stringMatching(/^\d+\.\d+\.\d+$/), problems: [] })
      expect((await agents.iterate(["harnesses"])).stdout).toMatch(new RegExp(`^${harness} +${listed.version.replaceAll(".", "\\.")} +available`, "m"))
    })

    test("SIGTERM to the daemon stops the harness process too", async () => {
      expect(await ask("Once more.")).toBe("Once more.\n")
      const pid = await onlyProcess()
      const daemon = agents.sandbox.record()!.pid
      process.kill(daemon, "SIGTERM")
      await waitFor("the daemon to exit", () => !isAlive(daemon))
      expect(isAlive(pid)).toBe(false)
      expect(processes()).toEqual([])
    })
  })
}
