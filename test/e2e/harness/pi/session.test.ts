// The Pi harness driving the real pi (the devDependency, run by this Bun) against the LLM stub:
// a session per test, its reports recorded, what the model was asked checked on the stub.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, test } from "vitest"
import type { Harness, HarnessAgent, HarnessSession } from "../../../../src/harness/harness.ts"
import { DENIED } from "../../../../src/harness/pi/assets.ts"
import { createPiHarness } from "../../../../src/harness/pi/index.ts"
import { failure, type RecordedRequest, text, toolCall, useLlmStub } from "../../../support/llm-stub.ts"
import { PiSessionEvents } from "../../../support/pi-harness.ts"
import { PI_STUB_MODEL, usePiProject } from "../../../support/pi-project.ts"
import { isAlive, waitFor } from "../../../support/wait.ts"

const stub = useLlmStub()
const project = usePiProject(stub)

/** The user's and the tool results' texts the model saw, in order. */
function said(request: RecordedRequest): string[] {
  return request.body.messages
    .filter((m) => m.role === "user" || m.role === "tool" || m.role === "assistant")
    .map((m) => {
      const content = m.content
      const body = typeof content === "string" ? content : Array.isArray(content) ? content.map((c: { text?: string }) => c.text ?? "").join("") : ""
      return `${m.role}: ${body}`
    })
}

describe("Pi session", { timeout: 60_000 }, () => {
  const harnesses: Harness[] = []
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()))
  })

  let agents = 0
  function open(options: { config?: Record<string, unknown>; agent?: Partial<HarnessAgent>; harness?: Harness } = {}) {
    const harness = options.harness ?? createPiHarness(project.context(options.config))
    harnesses.push(harness)
    const events = new PiSessionEvents()
    const agent: HarnessAgent = { id: `agent-${++agents}`, name: "test", directory: project.directory, model: PI_STUB_MODEL, ...options.agent }
    const session = harness.open(agent, events)
    return { harness, events, session, agent }
  }

  async function turn(session: HarnessSession, events: PiSessionEvents, prompt: string) {
    await session.prompt({ text: prompt })
    return events.turn(events.turns.length + 1)
  }

  test("a prompt gets the reply, and the session says where it can be resumed from", async () => {
    const { session, events, agent } = open()
    stub.reply(text("Hello from the stub."))
    expect(await turn(session, events, "hi")).toEqual({ status: "idle" })
    expect(events.replies).toEqual(["Hello from the stub."])
    expect(said(stub.turns[0]!)).toEqual(["user: hi"])
    expect(stub.turns[0]!.body.model).toBe("stub-model")
    const sessionFile = join(project.context().dataDir, "sessions", `${agent.id}.jsonl`)
    expect(events.resumes).toEqual([{ sessionFile }])
    expect(existsSync(sessionFile)).toBe(true)
    expect(events.started).toHaveLength(1)
    expect(isAlive(events.started[0]!)).toBe(true)
    // Snapshots of the whole message are left out of the streamed updates.
    expect(events.natives.filter((e) => e.type === "message_update").every((e) => !("message" in e))).toBe(true)
  })

  test("a tool call is asked about, and once allowed it writes the file", async () => {
    const { session, events } = open()
    events.onAsk = (ask) => void session.answer(ask.nativeId, { decision: "allow" })
    stub.reply(toolCall("write", { path: "allowed.txt", content: "written by pi\n" }), text("Wrote it."))
    expect(await turn(session, events, "write allowed.txt")).toEqual({ status: "idle" })
    expect(events.asks).toEqual([
      expect.objectContaining({ tool: "write", kind: "edit", summary: "write allowed.txt", request: expect.objectContaining({ type: "extension_ui_request" }) }),
    ])
    expect(readFileSync(join(project.directory, "allowed.txt"), "utf8")).toBe("written by pi\n")
    expect(events.withdrawn).toEqual([])
  })

  test("a denied tool call writes nothing, the model is told, and the turn ends cleanly", async () => {
    const { session, events } = open()
    events.onAsk = (ask) => void session.answer(ask.nativeId, { decision: "deny", message: "not this one" })
    stub.reply(toolCall("bash", { command: "touch denied.txt" }), text("Understood."))
    expect(await turn(session, events, "touch denied.txt")).toEqual({ status: "idle" })
    expect(events.asks).toEqual([expect.objectContaining({ tool: "bash", kind: "command", summary: "run `touch denied.txt`" })])
    expect(existsSync(join(project.directory, "denied.txt"))).toBe(false)
    expect(said(stub.turns[1]!).at(-1)).toBe(`tool: ${DENIED}`)
  })

  test("a second prompt continues the same conversation", async () => {
    const { session, events } = open()
    stub.reply(text("First answer."), text("Second answer."))
    await turn(session, events, "first question")
    await turn(session, events, "second question")
    expect(said(stub.turns[1]!)).toEqual(["user: first question", "assistant: First answer.", "user: second question"])
    expect(events.started).toHaveLength(1)
  })

  test("events far larger than a pipe's buffer, with U+2028 inside, arrive whole", async () => {
    const { session, events } = open()
    const long = `${"lorem ipsum ".repeat(25_000)}\u2028line separator\u2029paragraph separator`
    stub.reply(text("That was long."))
    expect(await turn(session, events, long)).toEqual({ status: "idle" })
    const echoed = events.natives.find((e) => e.type === "message_end" && (e.message as { role: string }).role === "user")
    expect((echoed!.message as { content: Array<{ text: string }> }).content[0]!.text).toBe(long)
    expect(said(stub.turns[0]!)).toEqual([`user: ${long}`])
  })

  test("a prompt sent while a turn runs joins that turn", async () => {
    const { session, events } = open()
    stub.reply(text("y".repeat(120), { chunkSize: 4, delayMs: 20 }), text("Both seen."))
    await session.prompt({ text: "start" })
    await events.seen("message_update")
    await session.prompt({ text: "and this too" })
    expect(await events.turn(1)).toEqual({ status: "idle" })
    expect(said(stub.turns[1]!).slice(-2)).toEqual(["assistant: " + "y".repeat(120), "user: and this too"])
    await Bun.sleep(200)
    expect(events.turns).toHaveLength(1)
  })

  test("an abort in the middle of a slow reply ends the turn, and the next prompt works", async () => {
    const { session, events } = open()
    stub.reply(text("x".repeat(2_000), { chunkSize: 4, delayMs: 20 }), text("Back again."))
    await session.prompt({ text: "talk slowly" })
    await events.seen("message_update", (e) => (e.assistantMessageEvent as { type: string }).type === "text_delta")
    await session.abort()
    expect(await events.turn(1)).toEqual({ status: "idle", aborted: true })
    await waitFor("the stub to see the abort", () => stub.turns[0]!.cancelled)
    expect(await turn(session, events, "still there?")).toEqual({ status: "idle" })
    expect(events.replies.at(-1)).toBe("Back again.")
    expect(events.started).toHaveLength(1)
    expect(events.crashes).toEqual([])
  })

  test("a killed pi is reported, the turn it was in fails, and the next prompt resumes the session", async () => {
    const { session, events } = open()
    stub.reply(text("Remember 42."), text("z".repeat(2_000), { chunkSize: 4, delayMs: 20 }), text("It was 42."))
    await turn(session, events, "remember a number")
    const from = events.natives.length
    await session.prompt({ text: "now talk slowly" })
    await events.seen("message_update", (e) => (e.assistantMessageEvent as { type: string }).type === "text_delta", from)
    const pid = events.started[0]!
    process.kill(pid, "SIGKILL")
    expect(await events.turn(2)).toEqual({ status: "error", error: "pi exited (signal SIGKILL)" })
    expect(events.crashes).toEqual([expect.objectContaining({ pid, reason: "exited (signal SIGKILL)", logFile: expect.stringMatching(/pi-test-agent-\d+\.log$/) })])
    expect(events.crashes[0]!.restartInMs).toBeUndefined()
    expect(events.exited).toEqual([pid])

    expect(await turn(session, events, "which number?")).toEqual({ status: "idle" })
    expect(events.started).toHaveLength(2)
    expect(said(stub.turns[2]!)).toEqual(["user: remember a number", "assistant: Remember 42.", "user: now talk slowly", "user: which number?"])
  })

  test("a pi killed while it asks leaves the request to the agents layer: not withdrawn, named by its input to match when asked again", async () => {
    const { session, events } = open()
    stub.reply(toolCall("write", { path: "later.txt", content: "later\n" }), toolCall("write", { path: "later.txt", content: "later\n" }), text("Wrote it."))
    await session.prompt({ text: "write later.txt" })
    const ask = await waitFor("the permission request", () => events.asks[0])
    expect(ask.input).toEqual({ path: "later.txt", content: "later\n" })
    process.kill(events.started[0]!, "SIGKILL")
    expect(await events.turn(1)).toEqual({ status: "error", error: "pi exited (signal SIGKILL)" })
    expect(events.withdrawn).toEqual([])

    events.onAsk = (again) => void session.answer(again.nativeId, { decision: "allow" })
    expect(await turn(session, events, "go on")).toEqual({ status: "idle" })
    expect(events.asks[1]).toMatchObject({ tool: "write", input: ask.input })
    expect(readFileSync(join(project.directory, "later.txt"), "utf8")).toBe("later\n")
  })

  test("a new harness (a daemon restart) opened with the saved resume continues the session", async () => {
    const first = open()
    stub.reply(text("Noted: blue."), text("You said blue."))
    await turn(first.session, first.events, "my colour is blue")
    await first.harness.stop()
    expect(first.events.exited).toEqual(first.events.started)

    const second = open({ agent: { id: first.agent.id, resume: first.events.resumes[0] } })
    expect(await turn(second.session, second.events, "what is my colour?")).toEqual({ status: "idle" })
    expect(said(stub.turns[1]!)).toEqual(["user: my colour is blue", "assistant: Noted: blue.", "user: what is my colour?"])
    expect(second.events.resumes).toEqual([])
  })

  test("an idle pi stops after the idle timeout, and the next prompt resumes it", async () => {
    const { session, events } = open({ config: { idleTimeoutMs: 300 } })
    stub.reply(text("Parked."), text("Unparked."))
    await turn(session, events, "park")
    const pid = events.started[0]!
    await waitFor("the idle pi to stop", () => events.exited.includes(pid))
    expect(isAlive(pid)).toBe(false)
    expect(events.crashes).toEqual([])

    expect(await turn(session, events, "wake up")).toEqual({ status: "idle" })
    expect(events.started).toHaveLength(2)
    expect(said(stub.turns[1]!)).toEqual(["user: park", "assistant: Parked.", "user: wake up"])
  })

  test("a turn's model is used for that turn only", async () => {
    const { session, events } = open()
    stub.reply(text("From the other."), text("From the default."))
    await session.prompt({ text: "one", model: "stub/stub-other" })
    await events.turn(1)
    await turn(session, events, "two")
    expect(stub.turns.map((t) => t.body.model)).toEqual(["stub-other", "stub-model"])
  })

  test("a prompt Pi cannot run is refused with Pi's reason", async () => {
    const { session, events } = open()
    const refused = await session.prompt({ text: "hi", model: "stub/no-such-model" }).then(
      () => undefined,
      (error: Error) => error.message,
    )
    expect(refused).toBe("Model not found: stub/no-such-model")
    expect(events.turns).toEqual([])

    const broken = open({ agent: { model: "nowhere/nothing" } })
    const died = await broken.session.prompt({ text: "hi" }).then(
      () => undefined,
      (error: Error) => error.message,
    )
    expect(died).toMatch(/^pi exited \(code 1: .*Model "nowhere\/nothing" not found/)
    expect(broken.events.crashes).toHaveLength(1)
    expect(broken.events.turns).toEqual([])
  })

  test("Pi's retries of a failed model call stay inside the turn, and an abort stops them", async () => {
    const { session, events } = open()
    const overloaded = () => failure("overloaded", 503)
    // The OpenAI SDK inside Pi retries twice on its own before Pi's auto-retry takes over.
    stub.reply(overloaded(), overloaded(), overloaded(), text("Third time lucky."))
    expect(await turn(session, events, "flaky")).toEqual({ status: "idle" })
    expect(events.natives.filter((e) => e.type === "agent_end")).toHaveLength(2)
    expect(events.replies.at(-1)).toBe("Third time lucky.")

    stub.reply(overloaded(), overloaded(), overloaded(), text("never asked for"))
    await session.prompt({ text: "flaky again" })
    await waitFor("Pi to wait before retrying", () => events.natives.filter((e) => e.type === "auto_retry_start").length === 2)
    await session.abort()
    expect(await events.turn(2)).toEqual({ status: "idle", aborted: true })
    expect(stub.turns).toHaveLength(7)
  })

  test("an aborted turn withdraws the permission request it left unanswered", async () => {
    const { session, events } = open()
    stub.reply(toolCall("write", { path: "never.txt", content: "no\n" }))
    await session.prompt({ text: "write never.txt" })
    const ask = await waitFor("the permission request", () => events.asks[0])
    await session.abort()
    expect(await events.turn(1)).toEqual({ status: "idle", aborted: true })
    expect(events.withdrawn).toEqual([ask.nativeId])
    expect(existsSync(join(project.directory, "never.txt"))).toBe(false)
  })
})

describe("Pi session with an extension of the project's own", { timeout: 60_000 }, () => {
  test("its /command runs without a model call and ends the turn; its questions come as permission requests", async () => {
    const directory = join(project.root, "with-extension")
    mkdirSync(join(directory, ".pi", "extensions"), { recursive: true })
    writeFileSync(
      join(directory, ".pi", "extensions", "ask.ts"),
      `export default function (pi) {
        pi.registerCommand("ask", {
          handler: async (args, ctx) => {
            const yes = await ctx.ui.confirm("Proceed?", args)
            ctx.ui.notify("answered " + yes)
          },
        })
      }\n`,
    )
    const harness = createPiHarness(project.context())
    const events = new PiSessionEvents()
    const session = harness.open({ id: "with-extension", name: "ext", directory, model: PI_STUB_MODEL }, events)
    events.onAsk = (ask) => void session.answer(ask.nativeId, { decision: "allow" })
    try {
      await session.prompt({ text: "/ask really?" })
      expect(await events.turn(1)).toEqual({ status: "idle" })
      expect(events.asks).toEqual([expect.objectContaining({ tool: "confirm", kind: "question", summary: "Proceed?: really?" })])
      expect(events.natives).toContainEqual(expect.objectContaining({ type: "extension_ui_request", method: "notify", message: "answered true" }))
      expect(stub.requests).toEqual([])
    } finally {
      await harness.stop()
    }
  })
})
