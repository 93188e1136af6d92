// Stopping takes along everything a daemon started, for every harness: `server stop` while the
// harness runs a command that ignores SIGTERM leaves no process behind (harness, command, the
// daemon's watchdog) and keeps every event of the turn it cut short; a daemon killed outright
// takes its harness and the command along, with no next daemon needed; a command a finished turn
// left running in the background, its shell gone, ends with the daemon too. The real harnesses
// against the scripted models, through the compiled binary; one sandbox per harness, tests in order.
import { existsSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import * as anthropic from "../../support/anthropic-stub.ts"
import { type HarnessName, payloadsOf, sandboxProcesses, useAgentSandbox } from "../../support/agent-sandbox.ts"
import * as openai from "../../support/llm-stub.ts"
import { PI_STUB_MODEL } from "../../support/pi-project.ts"
import * as responses from "../../support/responses-stub.ts"
import { isAlive, waitFor } from "../../support/wait.ts"

// SIG_IGN survives exec: the shell and its sleep both ignore SIGTERM, so only SIGKILL ends them.
const COMMAND = `touch started; trap "" TERM; sleep 300`

interface Script<Reply> {
  harness: HarnessName
  stub: { url: string; reply(...replies: Reply[]): void }
  /** the model calling the harness's shell tool */
  command(line: string): Reply
  text(body: string): Reply
  args: string[]
  /** a command that leaves a sleep running in the background once it is done */
  background?: string
}

const BACKGROUND = "nohup sleep 301 > /dev/null 2>&1 &"

const openaiStub = openai.useLlmStub()
const anthropicStub = anthropic.useAnthropicStub()
const responsesStub = responses.useResponsesStub()
const SCRIPTS: Script<any>[] = [
  { harness: "opencode", stub: openaiStub, command: (line) => openai.toolCall("bash", { command: line, description: "Wait" }), text: openai.text, args: [] },
  { harness: "claude", stub: anthropicStub, command: (line) => anthropic.toolUse("Bash", { command: line, description: "Wait" }), text: anthropic.text, args: [] },
  { harness: "pi", stub: openaiStub, command: (line) => openai.toolCall("bash", { command: line }), text: openai.text, args: ["--model", PI_STUB_MODEL] },
  { harness: "claude-acp", stub: anthropicStub, command: (line) => anthropic.toolUse("Bash", { command: line, description: "Wait" }), text: anthropic.text, args: [] },
  // codex ends the process group of a command with the command: what outlives it leaves the group.
  { harness: "codex", stub: responsesStub, command: (line) => responses.exec(line), text: responses.text, args: [], background: `setsid ${BACKGROUND}` },
]

const isSleep = (pid: number, seconds = 300) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ") === `sleep ${seconds} `
  } catch {
    return false
  }
}

describe.each(SCRIPTS)("stopping with $harness", { timeout: 120_000 }, ({ harness, stub, command, text, args, background = BACKGROUND }) => {
  const agents = useAgentSandbox(stub, harness)
  const started = () => join(agents.project, "started")

  /** Has the agent run COMMAND, and resolves once it runs; the processes of the sandbox then. */
  async function runCommand(prompt: string): Promise<number[]> {
    rmSync(started(), { force: true })
    stub.reply(command(COMMAND))
    await agents.iterate(["prompt", "worker", "--no-wait", prompt])
    await waitFor("the command to start", () => existsSync(started()), { timeoutMs: 60_000 })
    const processes = await waitFor("the sleep", () => (sandboxProcesses(agents.sandbox).some((pid) => isSleep(pid)) ? sandboxProcesses(agents.sandbox) : undefined))
    return processes
  }

  test("server stop while a command that ignores SIGTERM runs: no process of the daemon remains, and every event of the turn is kept", async () => {
    await agents.iterate(["agents", "new", "--harness", harness, "--dir", agents.project, "--name", "worker", "--permissions", "allow-all", ...args])
    await runCommand("wait a while")
    const before = await agents.events("worker")

    await agents.iterate(["server", "stop"])
    await waitFor("every process of the daemon to end", () => sandboxProcesses(agents.sandbox).length === 0, { timeoutMs: 30_000 })
    expect(sandboxProcesses(agents.sandbox)).toEqual([])

    // Read through the next daemon: what was on the stream is still there, then how the turn ended.
    const after = await agents.events("worker")
    expect(after.slice(0, before.length)).toEqual(before)
    expect(payloadsOf(after.slice(before.length), "iterate:agent:status:changed")).toEqual([
      expect.objectContaining({ status: "error", error: "the daemon stopped during the turn" }),
    ])
  })

  test("kill -9 of the daemon while a command that ignores SIGTERM runs: the harness and the command end without a next daemon", async () => {
    const processes = await runCommand("wait again")
    const daemon = agents.sandbox.record()!.pid
    expect(processes).toContain(daemon)

    process.kill(daemon, "SIGKILL")
    await waitFor("every process the daemon started to end", () => !processes.some(isAlive), { timeoutMs: 30_000 })
    expect(sandboxProcesses(agents.sandbox)).toEqual([])
  })

  test("server stop also ends a command that a finished turn left running in the background", async () => {
    stub.reply(command(background), text("Started it."))
    expect((await agents.iterate(["prompt", "worker", "start it in the background"])).stdout).toBe("Started it.\n")
    const sleeper = await waitFor("the background sleep", () => sandboxProcesses(agents.sandbox).find((pid) => isSleep(pid, 301)))

    await agents.iterate(["server", "stop"])
    await waitFor("every process of the daemon to end", () => !isAlive(sleeper) && sandboxProcesses(agents.sandbox).length === 0, { timeoutMs: 30_000 })
  })
})
