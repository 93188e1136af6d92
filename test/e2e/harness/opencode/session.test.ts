// The OpenCode harness through the Harness interface, against the real opencode binary with the
// LLM stub as the model: what its sessions report through HarnessEvents. The tests share one
// harness (one `opencode serve` for every directory) and run in order; the last one stops it.
import { existsSync, mkdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import type { HarnessSession, TurnEnd } from "../../../../src/harness/harness.ts"
import type { Harness } from "../../../../src/harness/harness.ts"
import { type OpencodeEvent, sessionIdOf } from "../../../../src/harness/opencode/events.ts"
import { opencodeHarness } from "../../../../src/harness/opencode/index.ts"
import { transcriptFor } from "../../../../src/harness/transcripts.ts"
import { failure, text, toolCall, useLlmStub } from "../../../support/llm-stub.ts"
import { RecordedEvents } from "../../../support/recorded-events.ts"
import { STUB_MODEL, testOpencodeBinary, useOpencodeProject, writeProjectConfig } from "../../../support/opencode-project.ts"
import { isAlive, waitFor } from "../../../support/wait.ts"

const stub = useLlmStub()
const project = useOpencodeProject(stub)

/** Everything a session reported, in order, with opencode's reply text. */
class Recorder extends RecordedEvents {
  /** called with each native event as the session reports it, before the session acts on it */
  onEvent: ((native: { type: string; properties?: Record<string, any> }) => void) | undefined

  override event(native: unknown) {
    super.event(native)
    this.onEvent?.(native as { type: string })
  }

  /** The reply text of the natives from index `from` on, as the transcript folds it. */
  reply(from = 0): string {
    const builder = transcriptFor("opencode")
    let offset = 0
    const next = () => String(++offset).padStart(16, "0")
    builder.push({ offset: next(), type: "iterate:agent:action:prompt:called", payload: { text: "" } })
    for (const native of this.natives.slice(from)) builder.push({ offset: next(), type: "iterate:agent:harness:opencode:event-received", payload: native })
    return builder.transcript.messages
      .filter((m) => m.role === "assistant")
      .flatMap((m) => m.parts)
      .map((p) => (p.kind === "text" ? p.text : ""))
      .join("")
  }

  /** Runs `work` and waits for the turn end it causes. */
  async turnOf(work: () => Promise<unknown>): Promise<TurnEnd> {
    const before = this.turns.length
    await work()
    return this.turn(before + 1)
  }
}

describe("OpenCode harness", { timeout: 90_000 }, () => {
  let harness: Harness
  let session: HarnessSession
  const events = new Recorder()
  let other: string
  const neighbour = new Recorder()
  let neighbourSession: HarnessSession

  beforeAll(() => {
    harness = opencodeHarness({
      logDir: project.logDir,
      dataDir: join(project.logDir, "..", "harness-data"),
      // Projects nobody used for 3 s are unloaded, between tests too: a prompt loads them again.
      config: { binary: testOpencodeBinary(), idleTimeoutMs: 3000 },
      env: { ...process.env, ...project.env },
    })
    session = harness.open({ id: "a1", name: "harness-test", directory: project.directory, model: STUB_MODEL }, events)
    other = join(project.directory, "..", "other")
    mkdirSync(other)
    writeProjectConfig(other, stub.url)
  })

  afterAll(() => harness.stop())

  test("check finds the binary and its version; a model needs the form provider/model", async () => {
    const check = await harness.check()
    expect(check).toMatchObject({ name: "opencode", available: true, binary: testOpencodeBinary(), version: expect.stringMatching(/^\d+\.\d+/) })
    expect(harness.modelProblem("stub/stub-model")).toBeUndefined()
    expect(harness.modelProblem("gpt")).toBe('model "gpt" is not in the form provider/model')
  })

  test("opencode serve listens on loopback and refuses requests without its password", async () => {
    const { argv, env } = await session.attach()
    const url = argv[2]!
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(readFileSync(join(project.logDir, "opencode.log"), "utf8")).toContain(`listening on ${url}`)
    expect((await fetch(`${url}/global/health`)).status).toBe(401)
    const right = { authorization: `Basic ${btoa(`opencode:${env.OPENCODE_SERVER_PASSWORD}`)}` }
    expect(await (await fetch(`${url}/global/health`, { headers: right })).json()).toMatchObject({ healthy: true })
    expect(events.resumes).toEqual([{ sessionId: expect.stringMatching(/^ses_/) }])
    expect(events.started).toHaveLength(1)
  })

  test("a prompt streams the reply as native events and the turn ends idle", async () => {
    stub.reply(text("Hello from the stub, streamed in chunks.", { reasoning: "A greeting is due." }))
    const from = events.natives.length
    expect(await events.turnOf(() => session.prompt({ text: "say hello" }))).toEqual({ status: "idle" })
    expect(events.reply(from)).toBe("Hello from the stub, streamed in chunks.")
    expect(events.natives.slice(from).filter((e) => e.type === "message.part.delta").length).toBeGreaterThan(1)
    expect(JSON.stringify(stub.turns[0]!.body.messages.at(-1))).toContain("say hello")
  })

  test("a write asks for permission, whatever opencode.json allows; allowed, the file is written", async () => {
    const file = join(project.directory, "hello.txt")
    stub.reply(toolCall("write", { filePath: file, content: "written by opencode\n" }), text("I wrote hello.txt."))
    const from = events.natives.length
    const end = events.turnOf(async () => {
      await session.prompt({ text: "write hello.txt" })
      const ask = await waitFor("the permission request", () => events.asks[0])
      expect(ask).toMatchObject({ tool: "edit", kind: "edit", summary: "edit hello.txt", nativeId: expect.stringMatching(/^per_/) })
      expect(ask.request).toMatchObject({ id: ask.nativeId, permission: "edit", patterns: [expect.stringContaining("hello.txt")] })
      expect(existsSync(file)).toBe(false)
      await session.answer(ask.nativeId, { decision: "allow" })
    })
    expect(await end).toEqual({ status: "idle" })
    expect(readFileSync(file, "utf8")).toBe("written by opencode\n")
    expect(events.reply(from)).toBe("I wrote hello.txt.")
    // Its own answer is no withdrawal.
    expect(events.withdrawn).toEqual([])
  })

  test("denied, nothing is written and the turn ends cleanly without asking the model again", async () => {
    const file = join(project.directory, "denied.txt")
    stub.reply(toolCall("write", { filePath: file, content: "no\n" }), text("unused"))
    const asked = events.asks.length
    const end = events.turnOf(async () => {
      await session.prompt({ text: "write denied.txt" })
      const ask = await waitFor("the permission request", () => events.asks[asked])
      await session.answer(ask.nativeId, { decision: "deny" })
    })
    expect(await end).toEqual({ status: "idle" })
    expect(existsSync(file)).toBe(false)
    expect(stub.turns).toHaveLength(1)
  })

  test("asked again, the same call gives the same input: it names the call across a respawn", async () => {
    stub.reply(toolCall("bash", { command: "echo once > once.txt", description: "Write once" }), toolCall("bash", { command: "echo once > once.txt", description: "Write once" }))
    const asked = events.asks.length
    const end = events.turnOf(async () => {
      await session.prompt({ text: "run it" })
      const ask = await waitFor("the permission request", () => events.asks[asked])
      expect(ask).toMatchObject({ tool: "bash", kind: "command", summary: "run `echo once > once.txt`" })
      await session.answer(ask.nativeId, { decision: "deny", message: "not now" })
      // Told why, the model tries again, and opencode asks about the same command.
      const again = await waitFor("the second request", () => events.asks[asked + 1])
      expect(again.input).toEqual(ask.input)
      expect(again.nativeId).not.toBe(ask.nativeId)
      await session.abort()
    })
    expect(await end).toEqual({ status: "idle", aborted: true })
    // The request the abort left waiting in opencode is refused, and withdrawn here.
    expect(events.withdrawn).toEqual([events.asks[asked + 1]!.nativeId])
    expect(existsSync(join(project.directory, "once.txt"))).toBe(false)
  })

  test("abort ends a long, slowly streaming reply", async () => {
    const long = "word ".repeat(400)
    stub.reply(text(long, { chunkSize: 5, delayMs: 50 }))
    const from = events.natives.length
    const end = events.turnOf(async () => {
      await session.prompt({ text: "talk for a long time" })
      await waitFor("the reply to start streaming", () => events.reply(from).length > 0)
      await session.abort()
    })
    expect(await end).toEqual({ status: "idle", aborted: true })
    expect(events.reply(from).length).toBeLessThan(long.length)
    await waitFor("the model request to be cancelled", () => stub.turns[0]!.cancelled)
  })

  test("an abort the moment opencode took the prompt ends that turn as aborted, and only that turn", async () => {
    stub.reply(text("word ".repeat(100), { chunkSize: 5, delayMs: 20 }))
    const before = events.turns.length
    // The session sends opencode's abort once opencode runs the turn: sent earlier, it would be lost,
    // or stop the turn before opencode reports it at all, or stop the next prompt instead.
    expect(await events.turnOf(() => session.prompt({ text: "never mind" }).then(() => session.abort()))).toEqual({ status: "idle", aborted: true })
    stub.reset()
    stub.reply(text("The next turn, whole."))
    const from = events.natives.length
    expect(await events.turnOf(() => session.prompt({ text: "and now?" }))).toEqual({ status: "idle" })
    expect(events.reply(from)).toBe("The next turn, whole.")
    expect(stub.turns).toHaveLength(1)
    expect(events.turns).toHaveLength(before + 2)
  })

  test("an abort of a turn that is ending leaves it as it ends, and does not reach the next one", async () => {
    stub.reply(text("Done already."))
    const before = events.turns.length
    let aborting: Promise<void> | undefined
    let endedFirst = false
    // The final reply is reported before the idle that ends the turn: the turn still runs here.
    events.onEvent = (native) => {
      const info = native.properties?.info
      if (aborting || native.type !== "message.updated" || info?.role !== "assistant" || info.finish !== "stop") return
      endedFirst = events.turns.length > before
      aborting = session.abort()
    }
    const from = events.natives.length
    const end = await events.turnOf(() => session.prompt({ text: "quick one" }))
    events.onEvent = undefined
    await aborting
    expect(endedFirst).toBe(false)
    expect(end).toEqual({ status: "idle" })
    expect(events.reply(from)).toBe("Done already.")
    stub.reply(text("Next one, whole."))
    const next = events.natives.length
    expect(await events.turnOf(() => session.prompt({ text: "next" }))).toEqual({ status: "idle" })
    expect(events.reply(next)).toBe("Next one, whole.")
    expect(events.turns).toHaveLength(before + 2)
  })

  test("a failing model call ends the turn with its error", async () => {
    stub.reply(failure("quota exceeded"))
    expect(await events.turnOf(() => session.prompt({ text: "this will fail" }))).toEqual({ status: "error", error: "quota exceeded" })
  })

  test("an agent in another directory shares the one process, with its own project and only its own events", async () => {
    neighbourSession = harness.open({ id: "a2", name: "neighbour", directory: other }, neighbour)
    stub.reply(text("Hello from next door."))
    const mine = events.natives.length
    expect(await neighbour.turnOf(() => neighbourSession.prompt({ text: "hi" }))).toEqual({ status: "idle" })
    expect(neighbour.reply()).toBe("Hello from next door.")
    // What this session heard meanwhile (a late event of its own last turn, at times) is its own.
    const heard = events.natives.slice(mine) as OpencodeEvent[]
    expect(heard.filter((event) => sessionIdOf(event) !== events.resumes[0]!.sessionId)).toEqual([])
    const started = await waitFor("the shared process", () => events.started[0])
    const { argv } = await neighbourSession.attach()
    expect(argv).toEqual(expect.arrayContaining(["--dir", other]))
    expect(isAlive(started)).toBe(true)
    // One process serves both: the neighbour started none.
    expect(neighbour.started).toEqual([])
  })

  test("a killed opencode: every session on it hears of the crash, it restarts, and both go on with their sessions", async () => {
    const pid = events.started.at(-1)!
    process.kill(pid, "SIGKILL")
    for (const recorder of [events, neighbour])
      expect(await waitFor("the crash report", () => recorder.crashes[0])).toMatchObject({ pid, reason: "exited (signal SIGKILL)", restartInMs: 500 })

    stub.reply(text("Still here after the restart."), text("Next door too."))
    let from = events.natives.length
    expect(await events.turnOf(() => session.prompt({ text: "are you there?" }))).toEqual({ status: "idle" })
    expect(events.reply(from)).toBe("Still here after the restart.")
    // The model sees the session's earlier turns: it is the same session.
    expect(JSON.stringify(stub.turns[0]!.body.messages)).toContain("say hello")
    from = neighbour.natives.length
    expect(await neighbour.turnOf(() => neighbourSession.prompt({ text: "and you?" }))).toEqual({ status: "idle" })
    expect(neighbour.reply(from)).toBe("Next door too.")
    expect(events.resumes).toHaveLength(1)
    expect(events.started.at(-1)).not.toBe(pid)
  })

  test("a directory nobody used for the idle timeout has its project unloaded; the next prompt loads it again", async () => {
    // Not one of the directories above: a TUI was attached to their sessions, which keeps them loaded.
    const quiet = join(project.directory, "..", "quiet")
    mkdirSync(quiet)
    writeProjectConfig(quiet, stub.url)
    const idle = new Recorder()
    const idleSession = harness.open({ id: "a3", name: "quiet", directory: quiet }, idle)
    stub.reply(text("Before."), text("Loaded again."))
    expect(await idle.turnOf(() => idleSession.prompt({ text: "first" }))).toEqual({ status: "idle" })
    await waitFor("the project to be unloaded", () => idle.natives.find((e) => e.type === "server.instance.disposed"), { timeoutMs: 20_000 })
    const after = idle.natives.length
    expect(await idle.turnOf(() => idleSession.prompt({ text: "back?" }))).toEqual({ status: "idle" })
    expect(idle.reply(after)).toBe("Loaded again.")
    expect(JSON.stringify(stub.turns[1]!.body.messages)).toContain("Before.")
    await idleSession.close()
  })

  test("a session opened from what the first one resumes from continues it", async () => {
    await session.close()
    const resumed = new Recorder()
    session = harness.open({ id: "a1", name: "harness-test", directory: project.directory, resume: events.resumes[0]! }, resumed)
    stub.reply(text("Resumed."))
    expect(await resumed.turnOf(() => session.prompt({ text: "where were we?" }))).toEqual({ status: "idle" })
    expect(resumed.reply()).toBe("Resumed.")
    expect(JSON.stringify(stub.turns[0]!.body.messages)).toContain("are you there?")
    expect(resumed.resumes).toEqual([])
  })

  test("stop kills opencode with the commands it started", async () => {
    const pidFile = join(project.directory, "sleep.pid")
    await session.close()
    const recorder = new Recorder()
    session = harness.open({ id: "a1", name: "harness-test", directory: project.directory, resume: events.resumes[0]! }, recorder)
    stub.reply(toolCall("bash", { command: `echo $$ > ${pidFile}; exec sleep 300`, description: "Sleep" }))
    await session.prompt({ text: "run a long command" })
    const ask = await waitFor("the permission request", () => recorder.asks[0])
    await session.answer(ask.nativeId, { decision: "allow" })
    const sleepPid = Number(await waitFor("the command to start", () => readFileSync(pidFile, { flag: "a+" }).toString().trim()))
    const serverPid = events.started.at(-1)!

    await harness.stop()
    expect(isAlive(serverPid)).toBe(false)
    await waitFor("the command to be killed", () => !isAlive(sleepPid))
    await expect(session.prompt({ text: "still there?" })).rejects.toThrow("is stopped")
  })
})
