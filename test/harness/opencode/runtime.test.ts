// The OpenCode harness against the real opencode binary, with the LLM stub as the model.
// The tests share one server and run in order; the last one stops it.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import {
  type OpencodeCrash,
  type OpencodeEvent,
  type OpencodeRuntime,
  OpencodeRuntimes,
  ReplyText,
  turnError,
  turnStatus,
} from "../../../src/harness/opencode/index.ts"
import { failure, text, toolCall, useLlmStub } from "../../support/llm-stub.ts"
import { STUB_MODEL, testOpencodeBinary, useOpencodeProject } from "../../support/opencode-project.ts"
import { isAlive, waitFor } from "../../support/wait.ts"

const stub = useLlmStub()
const project = useOpencodeProject(stub)

/** Everything one events() stream delivered, and how it ended. */
class EventLog {
  readonly events: OpencodeEvent[] = []
  readonly ended: Promise<unknown>
  private readonly controller = new AbortController()

  constructor(runtime: OpencodeRuntime) {
    this.ended = (async () => {
      for await (const event of runtime.events(this.controller.signal)) this.events.push(event)
      return "ended"
    })().catch((error) => error)
  }

  /** Events of one session from index `from` on. */
  of(sessionId: string, from = 0): OpencodeEvent[] {
    return this.events.slice(from).filter((e) => e.properties?.sessionID === sessionId)
  }

  /** Waits until the session's turn that started at index `from` is over. */
  turnEnd(sessionId: string, from: number): Promise<OpencodeEvent> {
    return waitFor(`the turn of ${sessionId} to end`, () =>
      this.of(sessionId, from).find((e) => turnStatus(e) === "idle"),
    )
  }

  reply(sessionId: string, from: number): string {
    const reply = new ReplyText(sessionId)
    return this.of(sessionId, from)
      .map((e) => reply.push(e)?.text ?? "")
      .join("")
  }

  close(): void {
    this.controller.abort()
  }
}

/** Runs a TUI in a pseudo-terminal; screen() is what it printed so far, cursor and colour codes removed. */
function inTerminal(argv: string[], env: Record<string, string | undefined>) {
  let output = ""
  const decoder = new TextDecoder()
  const child = Bun.spawn(argv, {
    env: { ...process.env, ...env },
    terminal: { cols: 120, rows: 30, data: (_, bytes) => (output += decoder.decode(bytes, { stream: true })) },
  })
  void child.exited.then(() => child.terminal?.close())
  return { process: child, screen: () => output.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, "") }
}

describe("OpenCode runtime", { timeout: 60_000 }, () => {
  const crashes: OpencodeCrash[] = []
  let runtimes: OpencodeRuntimes
  let opencode: OpencodeRuntime
  let log: EventLog
  let sessionId: string

  beforeAll(async () => {
    runtimes = new OpencodeRuntimes({
      binary: testOpencodeBinary(),
      logDir: project.logDir,
      env: project.env,
      backoff: { firstMs: 200, maxMs: 2_000 },
      onCrash: (crash) => crashes.push(crash),
    })
    opencode = runtimes.for(project.directory)
    log = new EventLog(opencode)
    sessionId = (await opencode.session("harness test")).id
  }, 60_000)

  afterAll(async () => {
    log.close()
    await runtimes.stopAll()
  })

  test("opencode serve listens on loopback, logs to the log folder and refuses requests without the password", async () => {
    const url = await opencode.start()
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(readFileSync(opencode.logFile, "utf8")).toContain(`listening on ${url}`)

    expect((await fetch(`${url}/global/health`)).status).toBe(401)
    const wrong = { authorization: `Basic ${btoa(`opencode:not-${opencode.credentials.password}`)}` }
    expect((await fetch(`${url}/session`, { headers: wrong })).status).toBe(401)
    const right = { authorization: `Basic ${btoa(`opencode:${opencode.credentials.password}`)}` }
    expect(await (await fetch(`${url}/global/health`, { headers: right })).json()).toMatchObject({ healthy: true })
  })

  test("a prompt streams the reply as native events and the turn ends", async () => {
    stub.reply(text("Hello from the stub, streamed in chunks.", { reasoning: "A greeting is due." }))
    const from = log.events.length
    await opencode.prompt(sessionId, { text: "say hello", model: STUB_MODEL })
    await log.turnEnd(sessionId, from)

    expect(log.reply(sessionId, from)).toBe("Hello from the stub, streamed in chunks.")
    expect(log.of(sessionId, from).filter((e) => e.type === "message.part.delta").length).toBeGreaterThan(1)
    const asked = stub.turns[0]!.body.messages.at(-1)
    expect(JSON.stringify(asked?.content)).toContain("say hello")
  })

  test("the model's write tool call leaves the file on disk", async () => {
    const file = join(project.directory, "hello.txt")
    stub.reply(toolCall("write", { filePath: file, content: "written by opencode\n" }), text("I wrote hello.txt."))
    const from = log.events.length
    await opencode.prompt(sessionId, { text: "write hello.txt" })
    await log.turnEnd(sessionId, from)

    expect(readFileSync(file, "utf8")).toBe("written by opencode\n")
    expect(log.reply(sessionId, from)).toBe("I wrote hello.txt.")
    expect(stub.turns[1]!.body.messages.some((m) => m.role === "tool")).toBe(true)
  })

  test("abort ends a long, slowly streaming reply", async () => {
    const long = "word ".repeat(400)
    stub.reply(text(long, { chunkSize: 5, delayMs: 50 }))
    const from = log.events.length
    await opencode.prompt(sessionId, { text: "talk for a long time" })
    await waitFor("the reply to start streaming", () => log.reply(sessionId, from).length > 0)

    expect(await opencode.abort(sessionId)).toBe(true)
    await log.turnEnd(sessionId, from)

    const error = log.of(sessionId, from).map(turnError).find(Boolean)
    expect(error).toMatchObject({ name: "MessageAbortedError", aborted: true })
    expect(log.reply(sessionId, from).length).toBeLessThan(long.length)
    await waitFor("the model request to be cancelled", () => stub.turns[0]!.cancelled)
  })

  test("a failing model call ends the turn with its error", async () => {
    stub.reply(failure("quota exceeded"))
    const from = log.events.length
    await opencode.prompt(sessionId, { text: "this will fail" })
    await log.turnEnd(sessionId, from)

    const error = log.of(sessionId, from).map(turnError).find(Boolean)
    expect(error).toEqual({ name: "APIError", message: "quota exceeded", aborted: false })
  })

  test("a killed opencode is restarted with backoff, the crash is reported and the session goes on", async () => {
    const pid = opencode.pid!
    process.kill(pid, "SIGKILL")
    const crash = await waitFor("the crash report", () => crashes[0])
    expect(crash).toMatchObject({ pid, reason: "exited (signal SIGKILL)", restartInMs: 200, logFile: opencode.logFile })

    await waitFor("the restarted server", () => opencode.pid !== undefined && opencode.pid !== pid, { timeoutMs: 60_000 })
    stub.reply(text("Still here after the restart."))
    const from = log.events.length
    await opencode.prompt(sessionId, { text: "are you there?" })
    await log.turnEnd(sessionId, from)
    // The same events() stream reconnected by itself and carried the new turn.
    expect(log.reply(sessionId, from)).toBe("Still here after the restart.")
    expect(crashes).toHaveLength(1)
  })

  test("attach opens opencode's TUI on the session, with the password passed in its environment", async () => {
    const session = await opencode.session("attach-target")
    const { argv, env } = await opencode.attach(session.id)
    expect(argv.slice(1, 4)).toEqual(["attach", await opencode.start(), "--session"])
    expect(argv.join(" ")).not.toContain(opencode.credentials.password)

    const tui = inTerminal(argv, { ...project.env, ...env })
    await waitFor("the TUI to show the session", () => tui.screen().includes("attach-target"))
    tui.process.kill()
    await tui.process.exited

    const refused = inTerminal(argv, { ...project.env, ...env, OPENCODE_SERVER_PASSWORD: "wrong" })
    expect(await refused.process.exited).toBe(1)
    expect(refused.screen()).toContain("401 Unauthorized")
  })

  test("stop kills opencode with the commands it started and ends the event stream", async () => {
    const pidFile = join(project.directory, "sleep.pid")
    stub.reply(toolCall("bash", { command: `echo $$ > ${pidFile}; exec sleep 300`, description: "Sleep" }))
    await opencode.prompt(sessionId, { text: "run a long command" })
    const sleepPid = Number(await waitFor("the command to start", () => readFileSync(pidFile, { flag: "a+" }).toString().trim()))
    const serverPid = opencode.pid!

    await runtimes.stopAll()

    expect(isAlive(serverPid)).toBe(false)
    await waitFor("the command to be killed", () => !isAlive(sleepPid))
    expect(await log.ended).toBe("ended")
    await expect(opencode.start()).rejects.toThrow("is stopped")
    expect(crashes).toHaveLength(1)
  })
})
