// What survives what: a killed opencode (shared by agents in two directories), a restarted
// daemon, a daemon killed together with its watchdog (stopping.test.ts has one killed alone). The
// real opencode and the LLM stub, one sandbox per store, tests in order.
import { readFileSync } from "node:fs"
import { beforeAll, describe, expect, test } from "vitest"
import { harnessProcesses, useAgentSandbox, watch, watchdogOf } from "../../support/agent-sandbox.ts"
import { text, useLlmStub } from "../../support/llm-stub.ts"
import { STORES, useStore } from "../../support/stores.ts"
import { isAlive, waitFor } from "../../support/wait.ts"

const stub = useLlmStub()
let agents: ReturnType<typeof useAgentSandbox>

async function ask(agent: string, reply: string): Promise<string> {
  stub.reply(text(reply))
  return (await agents.iterate(["prompt", agent, "are you there?"])).stdout
}

describe.each(STORES)("agents across failures, on %s", { timeout: 120_000 }, (store) => {
  const sandbox = useAgentSandbox(stub)
  useStore(store, () => sandbox.sandbox)
  // The helpers above work on this block's sandbox while its tests run.
  beforeAll(() => void (agents = sandbox))

  test("two agents in two directories share one opencode; killing it puts the crash on both streams and both go on in their sessions", async () => {
    const elsewhere = agents.newProject("elsewhere")
    await agents.iterate(["agents", "new", "--dir", agents.project, "--name", "keeper"])
    await agents.iterate(["agents", "new", "--dir", elsewhere, "--name", "neighbour"])
    expect(await ask("keeper", "First.")).toBe("First.\n")
    expect(await ask("neighbour", "First next door.")).toBe("First next door.\n")
    const servers = harnessProcesses(agents.sandbox)
    expect(servers).toHaveLength(1)
    process.kill(servers[0]!, "SIGKILL")

    stub.reset()
    expect(await ask("keeper", "Still here after the crash.")).toBe("Still here after the crash.\n")
    expect(JSON.stringify(stub.turns[0]!.body.messages)).toContain("First.")
    expect(await ask("neighbour", "Next door too.")).toBe("Next door too.\n")
    expect(JSON.stringify(stub.turns[1]!.body.messages)).toContain("First next door.")
    for (const agent of ["keeper", "neighbour"]) {
      const crash = (await agents.events(agent)).find((e) => e.type === "iterate:agent:harness:opencode:crashed")
      expect(crash?.payload).toMatchObject({ pid: servers[0], reason: "exited (signal SIGKILL)", restartInMs: expect.any(Number) })
    }
    expect(harnessProcesses(agents.sandbox)).toHaveLength(1)
    await agents.iterate(["agents", "rm", "neighbour"])
  })

  test("restarting the daemon: a running turn is reported interrupted, the agent is still listed and answers", async () => {
    const before = JSON.parse((await agents.iterate(["agents", "--json"])).stdout)
    const [server] = harnessProcesses(agents.sandbox)
    stub.reply(text("word ".repeat(400), { chunkSize: 5, delayMs: 50 }))
    const prompt = watch(agents.sandbox.spawn(["prompt", "keeper", "talk for a long time"]))
    await waitFor("the reply to start streaming", () => prompt.seen.stdout.length > 0)

    await agents.iterate(["server", "restart"])
    expect(isAlive(server!)).toBe(false)
    // The waiting prompt reconnects to the new daemon and reads how its turn ended.
    expect(await prompt.exited()).toBe(1)
    expect(prompt.seen.stderr).toContain("the daemon stopped during the turn")

    const after = JSON.parse((await agents.iterate(["agents", "--json"])).stdout)
    expect(after).toEqual([{ ...before[0], status: "error", error: "the daemon stopped during the turn" }])
    stub.reset()
    expect(await ask("keeper", "Back after the restart.")).toBe("Back after the restart.\n")
    // The session goes on: the model sees the earlier turns.
    expect(JSON.stringify(stub.turns[0]!.body.messages)).toContain("First.")
  })

  test("killing the daemon with its watchdog: the next daemon stops the opencode it left behind, and the agent answers", async () => {
    const [orphan] = harnessProcesses(agents.sandbox)
    const daemon = agents.sandbox.record()!.pid
    const watchdog = watchdogOf(daemon)
    expect(watchdog).toBeDefined()
    // Stopped first, so that it cannot start another watchdog before it dies.
    process.kill(daemon, "SIGSTOP")
    process.kill(watchdog!, "SIGKILL")
    process.kill(daemon, "SIGKILL")
    await waitFor("the daemon to die", () => !isAlive(daemon))
    expect(isAlive(orphan!)).toBe(true)

    await agents.iterate(["agents"])
    await waitFor("the orphaned opencode to be stopped", () => !isAlive(orphan!))
    expect(await ask("keeper", "New daemon, new opencode.")).toBe("New daemon, new opencode.\n")
    expect(harnessProcesses(agents.sandbox)).toHaveLength(1)
    expect(readFileSync(agents.sandbox.logPath, "utf8")).toContain(`stopped the opencode process ${orphan} left by a previous daemon`)
  })

  test("SIGTERM to the daemon stops its opencode too and removes the record", async () => {
    const [server] = harnessProcesses(agents.sandbox)
    const daemon = agents.sandbox.record()!.pid
    process.kill(daemon, "SIGTERM")
    await waitFor("the daemon to exit", () => !isAlive(daemon))
    expect(isAlive(server!)).toBe(false)
    expect(harnessProcesses(agents.sandbox)).toEqual([])
    expect(agents.sandbox.record()).toBeUndefined()
  })
})
