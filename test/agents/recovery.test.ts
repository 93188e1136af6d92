// What survives what: a killed opencode, a restarted daemon, a killed daemon. The real opencode
// and the LLM stub, one sandbox for the file, tests in order.
import { readFileSync } from "node:fs"
import { describe, expect, test } from "vitest"
import { useAgentSandbox, watch } from "../support/agent-sandbox.ts"
import { text, useLlmStub } from "../support/llm-stub.ts"
import { isAlive, waitFor } from "../support/wait.ts"

const stub = useLlmStub()
const agents = useAgentSandbox(stub)

/** The opencode servers running for this sandbox: children of its daemons, or left by one. */
function opencodeServers(): number[] {
  const pids: number[] = []
  for (const entry of new Bun.Glob("[0-9]*").scanSync({ cwd: "/proc", onlyFiles: false })) {
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8")
      if (argv[1] === "serve" && argv[0]!.includes("opencode") && environ.includes(`HOME=${agents.sandbox.dir}\0`) && isAlive(Number(entry)))
        pids.push(Number(entry))
    } catch {
      // ended while we looked
    }
  }
  return pids
}

async function ask(reply: string): Promise<string> {
  stub.reply(text(reply))
  return (await agents.iterate(["prompt", "keeper", "are you there?"])).stdout
}

describe("agents across failures", { timeout: 120_000 }, () => {
  test("killing opencode: the crash is on the stream and the next prompt still works", async () => {
    await agents.iterate(["agents", "new", "--dir", agents.project, "--name", "keeper"])
    expect(await ask("First.")).toBe("First.\n")
    const [server] = opencodeServers()
    process.kill(server!, "SIGKILL")

    expect(await ask("Still here after the crash.")).toBe("Still here after the crash.\n")
    const events = (await agents.iterate(["events", "keeper", "--format", "json"])).stdout.trim().split("\n").map((l) => JSON.parse(l))
    const crash = events.find((e) => e.type === "iterate:agent:harness:opencode:crashed")
    expect(crash.payload).toMatchObject({ pid: server, reason: "exited (signal SIGKILL)", restartInMs: expect.any(Number) })
    expect(opencodeServers()).toHaveLength(1)
  })

  test("restarting the daemon: a running turn is reported interrupted, the agent is still listed and answers", async () => {
    const before = JSON.parse((await agents.iterate(["agents", "--json"])).stdout)
    const [server] = opencodeServers()
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
    expect(await ask("Back after the restart.")).toBe("Back after the restart.\n")
    // The session goes on: the model sees the earlier turns.
    expect(JSON.stringify(stub.turns[0]!.body.messages)).toContain("First.")
  })

  test("killing the daemon: the next daemon stops the opencode it left behind, and the agent answers", async () => {
    const [orphan] = opencodeServers()
    process.kill(agents.sandbox.record()!.pid, "SIGKILL")
    expect(isAlive(orphan!)).toBe(true)

    await agents.iterate(["agents"])
    await waitFor("the orphaned opencode to be stopped", () => !isAlive(orphan!))
    expect(await ask("New daemon, new opencode.")).toBe("New daemon, new opencode.\n")
    expect(opencodeServers()).toHaveLength(1)
    expect(readFileSync(agents.sandbox.logPath, "utf8")).toContain(`stopped opencode serve (pid ${orphan}) left by a previous daemon`)
  })

  test("SIGTERM to the daemon stops its opencode too and removes the record", async () => {
    const [server] = opencodeServers()
    const daemon = agents.sandbox.record()!.pid
    process.kill(daemon, "SIGTERM")
    await waitFor("the daemon to exit", () => !isAlive(daemon))
    expect(isAlive(server!)).toBe(false)
    expect(opencodeServers()).toEqual([])
    expect(agents.sandbox.record()).toBeUndefined()
  })
})
