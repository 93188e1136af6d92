// The adapter in process, on the real stores (SQLite agents and streams on temp files), driven
// through the agents layer as the daemon's routes drive it, with a scripted harness in place of
// opencode, claude or pi. Every path of a turn: a prompt, the harness's events appended verbatim,
// the turn's end; permission requests answered by the policy or a reply, `always`, withdrawn;
// abort; a harness crash; a daemon restart mid-turn; bad actions; an append fenced off. What is
// asserted is what a client sees: the agent's stream, the store's records, the agents' API.
import { Database } from "bun:sqlite"
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { afterEach, describe, expect, test } from "vitest"
import { AgentAdapter, INTERRUPTED } from "../../../src/agents/adapter.ts"
import { AgentError } from "../../../src/agents/errors.ts"
import { SqliteAgentStore } from "../../../src/agents/sqlite-store.ts"
import { AgentStreams } from "../../../src/agents/stream.ts"
import type { PermissionAsk } from "../../../src/harness/harness.ts"
import { AGENT_EVENT, harnessCrashType, harnessEventType, type PermissionPolicy } from "../../../src/protocol/agent-events.ts"
import type { StreamEvent } from "../../../src/streams/events.ts"
import { SqliteStreamStore } from "../../../src/streams/store.ts"
import { AgentsLayer } from "../../support/agents-layer.ts"
import { scratchDir } from "../../support/scratch.ts"
import { type Script, ScriptedHarness, type ScriptedSession } from "../../support/scripted-harness.ts"
import { waitFor } from "../../support/wait.ts"

const { prompt: PROMPT, abort: ABORT, permissionReply: REPLY, status: STATUS, permissionRequested: REQUESTED, permissionWithdrawn: WITHDRAWN, error: ERROR } = AGENT_EVENT
const NATIVE = harnessEventType("scripted")
const CRASHED = harnessCrashType("scripted")

type Event = StreamEvent & { payload: Record<string, unknown> }

/** One daemon's agents layer: its stores opened on the files in `dir`, its harness the scripted one. */
class Node extends AgentsLayer {
  async events(stream = "agents/" + agentId): Promise<Event[]> {
    return ((await new AgentStreams(this.streams).read(stream, undefined)) ?? []) as Event[]
  }

  /** The stream once `check` holds for it. */
  async until(what: string, check: (events: Event[]) => boolean): Promise<Event[]> {
    return waitFor(what, async () => {
      const events = await this.events()
      return check(events) ? events : undefined
    }, { timeoutMs: 5_000, everyMs: 5 })
  }

  /** Prompts the agent and waits until the harness has the prompt; the prompt action as stored. */
  async promptTaken(text: string): Promise<StreamEvent> {
    const before = this.harness.prompts.length
    const prompt = await this.agents.prompt("app", { text })
    await waitFor("the prompt at the harness", () => this.harness.prompts.length > before)
    return prompt
  }

  /** The turn's end (an idle or error status after the last prompt). */
  turnOver(): Promise<Event[]> {
    return this.until("the turn's end", (events) => {
      const last = events.findLast((e) => e.type === STATUS)
      return last !== undefined && last.payload.status !== "busy"
    })
  }

  record() {
    return this.store.find(agentId).then((r) => r!)
  }
}

let nodes: Node[] = []
let agentId = ""
let project = ""

afterEach(async () => {
  for (const node of nodes.splice(0).reverse()) await node.close().catch(() => {})
})

async function node(script: Script = {}, dir = scratchDir("adapter")): Promise<Node> {
  const made = new Node(dir, new ScriptedHarness("scripted", script))
  nodes.push(made)
  await made.start()
  return made
}

/** A daemon with one agent of the scripted harness, its policy `permissions`. */
async function withAgent(script: Script = {}, permissions: PermissionPolicy = "ask"): Promise<Node> {
  const daemon = await node(script)
  project = join(daemon.dir, "project")
  mkdirSync(project)
  agentId = (await daemon.agents.create({ harness: "scripted", directory: project, name: "app", permissions })).id
  return daemon
}

const payloads = (events: Event[], type: string) => events.filter((e) => e.type === type).map((e) => e.payload)
const statuses = (events: Event[]) => payloads(events, STATUS)

const ask = (nativeId: string, fields: Partial<PermissionAsk> = {}): PermissionAsk => ({
  nativeId,
  tool: "bash",
  kind: "command",
  summary: "run `npm test`",
  request: { id: nativeId, native: true },
  input: { command: "npm test" },
  ...fields,
})

const session = (daemon: Node): ScriptedSession => daemon.harness.session!

/** What the harness was answered, once it was answered `count` times. */
async function answers(daemon: Node, count: number): Promise<ScriptedSession["answers"]> {
  await waitFor(`${count} answers at the harness`, () => session(daemon).answers.length >= count)
  return session(daemon).answers
}

/** The harness asks; iterate's id for the request (perm_…) once it is on the stream. */
function asked(daemon: Node, request: PermissionAsk): Promise<string> {
  session(daemon).events.permission(request)
  return requestOf(daemon, request.summary)
}

/** The latest request on the stream with this summary: iterate's id for it (perm_…). */
async function requestOf(daemon: Node, summary: string): Promise<string> {
  const events = await daemon.until(`a request to ${summary}`, (events) => payloads(events, REQUESTED).some((p) => p.summary === summary))
  return payloads(events, REQUESTED).findLast((p) => p.summary === summary)!.id as string
}

describe("a turn", () => {
  test("a prompt reaches the harness once; its events are appended verbatim and in order between busy and idle; the store keeps the progress", async () => {
    const natives = [{ type: "message.updated", info: { id: "m1" } }, { type: "part", text: "Hel" }, { type: "part", text: "lo", nested: { deep: [1, null, "x"] } }]
    const daemon = await withAgent({
      prompt: (s) => {
        s.events.processStarted(4242)
        s.events.resumable({ sessionId: "ses_1" })
        for (const native of natives) s.events.event(native)
        s.events.turnEnded({ status: "idle" })
      },
    })
    const prompt = await daemon.agents.prompt("app", { text: "say hello", model: "provider/model" })
    const events = await daemon.turnOver()

    expect(events.map((e) => e.type)).toEqual([PROMPT, STATUS, NATIVE, NATIVE, NATIVE, STATUS])
    expect(payloads(events, NATIVE)).toEqual(natives)
    expect(statuses(events)).toEqual([
      { status: "busy", prompt: prompt.offset },
      { status: "idle", prompt: prompt.offset },
    ])
    expect(daemon.harness.prompts).toEqual([{ text: "say hello", model: "provider/model" }])
    expect(session(daemon).agent).toEqual({ id: agentId, name: "app", directory: project })
    expect(await daemon.record()).toMatchObject({ status: "idle", consumed: prompt.offset, resume: { sessionId: "ses_1" }, error: undefined })
    expect(await daemon.store.processes()).toEqual([{ pid: 4242, harness: "scripted" }])
    expect((await daemon.agents.get("app")).sessionId).toBe("ses_1")
  })

  test("a prompt during a turn is folded into it: the harness gets it, busy names the latest prompt, one idle ends the turn", async () => {
    const daemon = await withAgent()
    const first = await daemon.agents.prompt("app", { text: "one" })
    await daemon.until("the first prompt taken", (events) => statuses(events).length === 1)
    const second = await daemon.promptTaken("two")
    session(daemon).events.turnEnded({ status: "idle" })
    const events = await daemon.turnOver()
    expect(daemon.harness.prompts.map((p) => p.text)).toEqual(["one", "two"])
    expect(statuses(events)).toEqual([
      { status: "busy", prompt: first.offset },
      { status: "busy", prompt: second.offset },
      { status: "idle", prompt: second.offset },
    ])
  })

  test("a turn that fails or is aborted says so in its status; the next prompt starts a new turn", async () => {
    const daemon = await withAgent()
    const first = await daemon.promptTaken("one")
    session(daemon).events.turnEnded({ status: "error", error: "the model is overloaded" })
    await daemon.turnOver()
    expect(await daemon.record()).toMatchObject({ status: "error", error: "the model is overloaded" })
    expect((await daemon.agents.get("app")).error).toBe("the model is overloaded")

    const second = await daemon.promptTaken("two")
    session(daemon).events.turnEnded({ status: "idle", aborted: true })
    const events = await daemon.until("the second turn's end", (events) => statuses(events).length === 4)
    expect(statuses(events)).toEqual([
      { status: "busy", prompt: first.offset },
      { status: "error", error: "the model is overloaded", prompt: first.offset },
      { status: "busy", prompt: second.offset },
      { status: "idle", aborted: true, prompt: second.offset },
    ])
    expect(await daemon.record()).toMatchObject({ status: "idle", error: undefined })
  })

  test("a prompt the harness refuses is an error event naming the action, and the turn ends in error", async () => {
    const daemon = await withAgent({
      prompt: () => {
        throw new Error("opencode is not installed")
      },
    })
    const prompt = await daemon.agents.prompt("app", { text: "hello" })
    const events = await daemon.turnOver()
    expect(payloads(events, ERROR)).toEqual([{ message: "opencode is not installed", action: prompt.offset }])
    expect(statuses(events).at(-1)).toEqual({ status: "error", error: "opencode is not installed", prompt: prompt.offset })
    expect(await daemon.record()).toMatchObject({ status: "error", error: "opencode is not installed", consumed: prompt.offset })
  })

  test("a harness event reported after the turn's end is appended after it, in the order reported", async () => {
    const daemon = await withAgent({
      prompt: (s) => {
        s.events.event({ n: 1 })
        s.events.turnEnded({ status: "idle" })
        s.events.event({ n: 2 })
      },
    })
    await daemon.agents.prompt("app", { text: "go" })
    const events = await daemon.until("both events", (events) => payloads(events, NATIVE).length === 2)
    expect(events.map((e) => e.type)).toEqual([PROMPT, STATUS, NATIVE, STATUS, NATIVE])
  })
})

describe("bad actions", () => {
  test("an empty prompt, a reply to an unknown request or to none, and a decision that is none of allow, always, deny are error events; nothing reaches the harness", async () => {
    const daemon = await withAgent()
    const streams = new AgentStreams(daemon.streams)
    // Appended straight to the stream, as any client of the streams API may.
    const [empty, unknown, wrong] = (await streams.append(`agents/${agentId}`, [
      { type: PROMPT, payload: { text: "   " } },
      { type: REPLY, payload: { id: "perm_nosuchone1", decision: "allow" } },
      { type: REPLY, payload: { decision: "allow" } },
    ]))!
    const events = await daemon.until("three errors", (events) => payloads(events, ERROR).length === 3)
    expect(payloads(events, ERROR)).toEqual([
      { message: "a prompt needs a non-empty text", action: empty!.offset },
      { message: 'cannot answer: no permission request "perm_nosuchone1"', action: unknown!.offset },
      { message: "cannot answer: no permission request undefined", action: wrong!.offset },
    ])
    expect(daemon.harness.prompts).toEqual([])
    expect(statuses(events)).toEqual([])
    expect(await daemon.record()).toMatchObject({ status: "idle", consumed: wrong!.offset })

    // A decision that is none of allow, always, deny, to a request that exists.
    await daemon.promptTaken("go")
    const id = await asked(daemon, ask("n1"))
    const [bad] = (await streams.append(`agents/${agentId}`, [{ type: REPLY, payload: { id, decision: "maybe" } }]))!
    const after = await daemon.until("the fourth error", (events) => payloads(events, ERROR).length === 4)
    expect(payloads(after, ERROR).at(-1)).toEqual({ message: "cannot answer: decision must be one of allow, always, deny", action: bad!.offset })
    expect(session(daemon).answers).toEqual([])
    expect((await daemon.store.permission(id))!.state).toBe("pending")
  })

  test("the agents API refuses a prompt with a model the harness cannot use, and a reply to an unknown request", async () => {
    const daemon = await withAgent()
    await expect(daemon.agents.prompt("app", { text: "hi", model: "nomodel" })).rejects.toThrow(new AgentError("invalid_agent", "scripted models are provider/model, not nomodel"))
    await expect(daemon.agents.reply("app", "perm_nosuchone1", { decision: "allow" })).rejects.toMatchObject({ code: "permission_not_found" })
    expect(await daemon.events()).toEqual([])
  })
})

describe("permission requests", () => {
  test("the policy answers what it can at once: the request and its reply are appended together, the harness gets the answer", async () => {
    const daemon = await withAgent({}, "allow-edits")
    await daemon.promptTaken("edit")
    const id = await asked(daemon, ask("n1", { tool: "write", kind: "edit", summary: "write a.txt", input: { path: "a.txt" } }))
    const events = await daemon.until("the policy's reply", (events) => payloads(events, REPLY).length === 1)
    const at = events.findIndex((e) => e.type === REQUESTED)
    expect(events[at + 1]).toMatchObject({ type: REPLY, payload: { id, decision: "allow", by: "policy" } })
    expect(payloads(events, REQUESTED)).toEqual([{ id, tool: "write", kind: "edit", summary: "write a.txt", request: { id: "n1", native: true } }])
    expect(await answers(daemon, 1)).toMatchObject([{ nativeId: "n1", decision: "allow" }])
    expect(await daemon.store.permission(id)).toMatchObject({ state: "answered", decision: "allow" })
    expect(await daemon.agents.permissions()).toEqual([])
  })

  test("deny refuses everything by the policy", async () => {
    const daemon = await withAgent({}, "deny")
    await daemon.promptTaken("edit")
    session(daemon).events.permission(ask("n1"))
    await daemon.until("the policy's reply", (events) => payloads(events, REPLY).length === 1)
    expect(await answers(daemon, 1)).toMatchObject([{ nativeId: "n1", decision: "deny" }])
  })

  test("a request the policy leaves open waits for a reply: the agent is waiting, the request is listed; a reply answers it once", async () => {
    const daemon = await withAgent()
    await daemon.promptTaken("test")
    const id = await asked(daemon, ask("n1"))
    expect((await daemon.agents.get("app")).status).toBe("waiting")
    expect(await daemon.agents.permissions("app")).toEqual([
      expect.objectContaining({ id, agent: agentId, agentName: "app", tool: "bash", kind: "command", summary: "run `npm test`", waiting: true }),
    ])
    expect((await daemon.record()).asking).toBe(true)

    await daemon.agents.reply("app", id, { decision: "deny", message: "not now" })
    expect(await answers(daemon, 1)).toEqual([{ nativeId: "n1", decision: "deny", message: "not now" }])
    expect(await daemon.store.permission(id)).toMatchObject({ state: "answered", decision: "deny", message: "not now" })
    expect((await daemon.agents.get("app")).status).toBe("busy")
    await expect(daemon.agents.reply("app", id, { decision: "allow" })).rejects.toMatchObject({ code: "permission_answered", message: `permission request ${id} was answered already (deny)` })
    // A second reply appended to the stream straight is no error: the first answer counts.
    await new AgentStreams(daemon.streams).append(`agents/${agentId}`, [{ type: REPLY, payload: { id, decision: "allow" } }])
    session(daemon).events.turnEnded({ status: "idle" })
    const events = await daemon.turnOver()
    expect(payloads(events, REPLY)).toEqual([
      { id, decision: "deny", message: "not now" },
      { id, decision: "allow" },
    ])
    expect(payloads(events, ERROR)).toEqual([])
    expect(session(daemon).answers).toHaveLength(1)
  })

  test("always allows the tool from then on: it answers the other waiting requests of that tool, and later ones, by the policy; others still wait", async () => {
    const daemon = await withAgent()
    await daemon.promptTaken("test")
    const events = session(daemon).events
    events.permission(ask("n1", { summary: "run `npm test`" }))
    events.permission(ask("n2", { summary: "run `npm run lint`", input: { command: "npm run lint" } }))
    events.permission(ask("n3", { tool: "write", kind: "edit", summary: "write a.txt", input: { path: "a.txt" } }))
    const [first, second, write] = [await requestOf(daemon, "run `npm test`"), await requestOf(daemon, "run `npm run lint`"), await requestOf(daemon, "write a.txt")]

    await daemon.agents.reply("app", first, { decision: "always" })
    expect(await answers(daemon, 2)).toEqual([
      { nativeId: "n1", decision: "always" },
      { nativeId: "n2", decision: "allow" },
    ])
    const stream = await daemon.until("the policy's reply", (events) => payloads(events, REPLY).length === 2)
    expect(payloads(stream, REPLY)).toEqual([
      { id: first, decision: "always" },
      { id: second, decision: "allow", by: "policy" },
    ])
    expect((await daemon.record()).allowedTools).toEqual(["bash"])
    expect((await daemon.agents.get("app")).allowedTools).toEqual(["bash"])
    expect((await daemon.agents.permissions()).map((p) => p.id)).toEqual([write])

    events.permission(ask("n4", { summary: "run `ls`", input: { command: "ls" } }))
    expect((await answers(daemon, 3))[2]).toMatchObject({ nativeId: "n4", decision: "allow" })
  })

  test("withdrawn by the harness (answered in its own UI, or its turn aborted): the request says so and takes no reply", async () => {
    const daemon = await withAgent()
    await daemon.promptTaken("test")
    const id = await asked(daemon, ask("n1"))
    session(daemon).events.permissionWithdrawn("n1")
    const events = await daemon.until("the withdrawal", (events) => payloads(events, WITHDRAWN).length === 1)
    expect(payloads(events, WITHDRAWN)).toEqual([{ id, reason: "scripted stopped waiting for an answer" }])
    expect(await daemon.store.permission(id)).toMatchObject({ state: "withdrawn" })
    expect((await daemon.agents.get("app")).status).toBe("busy")
    await expect(daemon.agents.reply("app", id, { decision: "allow" })).rejects.toMatchObject({
      code: "permission_answered",
      message: `permission request ${id} was withdrawn: nobody waits for an answer any more`,
    })
    expect(session(daemon).answers).toEqual([])
  })

  test("a request still open when its turn ends idle is withdrawn before the idle status", async () => {
    const daemon = await withAgent()
    await daemon.promptTaken("test")
    const id = await asked(daemon, ask("n1"))
    session(daemon).events.turnEnded({ status: "idle" })
    const events = await daemon.turnOver()
    expect(events.slice(-2).map((e) => [e.type, e.payload])).toEqual([
      [WITHDRAWN, { id, reason: "its turn is over" }],
      [STATUS, expect.objectContaining({ status: "idle" })],
    ])
    expect(await daemon.store.permission(id)).toMatchObject({ state: "withdrawn" })
    expect(await daemon.agents.permissions()).toEqual([])
  })
})

describe("abort", () => {
  test("with a running turn it reaches the harness, whose aborted turn end is the turn's end", async () => {
    const daemon = await withAgent({ abort: (s) => s.events.turnEnded({ status: "idle", aborted: true }) })
    const prompt = await daemon.promptTaken("long")
    const { event, status } = await daemon.agents.abort("app")
    expect(status).toBe("busy")
    const events = await daemon.turnOver()
    expect(session(daemon).aborts).toBe(1)
    expect(statuses(events).at(-1)).toEqual({ status: "idle", aborted: true, prompt: prompt.offset })
    expect(await daemon.record()).toMatchObject({ status: "idle", consumed: event.offset })
  })

  test("without a turn it is recorded as handled and the harness hears nothing", async () => {
    const daemon = await withAgent()
    const { event, status } = await daemon.agents.abort("app")
    expect(status).toBe("idle")
    await waitFor("the abort handled", async () => (await daemon.record()).consumed === event.offset)
    expect(session(daemon).aborts).toBe(0)
    expect((await daemon.events()).map((e) => e.type)).toEqual([ABORT])
  })

  test("an abort the harness fails is an error event; the turn goes on", async () => {
    const daemon = await withAgent({
      abort: () => {
        throw new Error("no such session")
      },
    })
    await daemon.promptTaken("long")
    const { event } = await daemon.agents.abort("app")
    const events = await daemon.until("the error", (events) => payloads(events, ERROR).length === 1)
    expect(payloads(events, ERROR)).toEqual([{ message: "no such session", action: event.offset }])
    expect((await daemon.agents.get("app")).status).toBe("busy")
  })
})

describe("a harness crash mid-turn", () => {
  const crash = { pid: 77, reason: "exited with code 137", restartInMs: 1000, logFile: "/tmp/scripted.log" }

  test("is appended; its requests stay answerable, an answer given meanwhile is held and applied when the respawned harness asks the same call", async () => {
    const daemon = await withAgent()
    await daemon.promptTaken("test")
    const before = await asked(daemon, ask("n1"))
    const events = session(daemon).events
    events.crashed(crash)
    await daemon.until("the crash", (events) => payloads(events, CRASHED).length === 1)
    expect(payloads(await daemon.events(), CRASHED)).toEqual([crash])
    // Kept, but no harness waits on it now.
    expect(await daemon.agents.permissions()).toEqual([expect.objectContaining({ id: before, waiting: false })])
    expect((await daemon.agents.get("app")).status).toBe("busy")

    await daemon.agents.reply("app", before, { decision: "allow" })
    await waitFor("the answer held", async () => (await daemon.store.permission(before))?.state === "held")
    expect(session(daemon).answers).toEqual([])

    // The respawned harness asks the same call again under its own id.
    events.permission(ask("n9", { request: { id: "n9" } }))
    expect(await answers(daemon, 1)).toMatchObject([{ nativeId: "n9", decision: "allow" }])
    const stream = await daemon.until("the second request's reply", (events) => payloads(events, REPLY).length === 2)
    const again = payloads(stream, REQUESTED)[1]!.id as string
    expect(again).not.toBe(before)
    expect(payloads(stream, REPLY)).toEqual([
      { id: before, decision: "allow" },
      { id: again, decision: "allow", by: "user" },
    ])
    expect(await daemon.store.permission(before)).toMatchObject({ state: "answered" })
    expect(await daemon.store.permission(again)).toMatchObject({ state: "answered", decision: "allow" })
  })

  test("a request asked again before anyone answered replaces the old one, which is withdrawn", async () => {
    const daemon = await withAgent()
    await daemon.promptTaken("test")
    const before = await asked(daemon, ask("n1"))
    const events = session(daemon).events
    events.crashed(crash)
    events.permission(ask("n2"))
    const stream = await daemon.until("the withdrawal", (events) => payloads(events, WITHDRAWN).length === 1)
    const again = payloads(stream, REQUESTED)[1]!.id as string
    expect(payloads(stream, WITHDRAWN)).toEqual([{ id: before, reason: `asked again as ${again}` }])
    expect((await daemon.agents.permissions()).map((p) => [p.id, p.waiting])).toEqual([[again, true]])
    await daemon.agents.reply("app", again, { decision: "allow" })
    expect(await answers(daemon, 1)).toEqual([{ nativeId: "n2", decision: "allow" }])
  })

  test("a held answer the harness does not ask for again lapses with the turn", async () => {
    const daemon = await withAgent()
    await daemon.promptTaken("test")
    const id = await asked(daemon, ask("n1"))
    session(daemon).events.crashed(crash)
    await daemon.until("the crash", (events) => payloads(events, CRASHED).length === 1)
    await daemon.agents.reply("app", id, { decision: "allow" })
    await waitFor("the answer held", async () => (await daemon.store.permission(id))?.state === "held")
    session(daemon).events.turnEnded({ status: "idle" })
    await daemon.turnOver()
    expect(await daemon.store.permission(id)).toMatchObject({ state: "answered" })
    expect(await daemon.store.openPermissions(agentId)).toEqual([])
  })
})

describe("a daemon restart", () => {
  /** The daemon dies: its adapters stop where they are and append nothing more (kill -9). */
  const kill = (daemon: Node) => daemon.agents.lost(agentId, "killed")

  test("mid-turn: the new daemon reports the turn interrupted and does not hand the prompt over again", async () => {
    const first = await withAgent()
    const prompt = await first.promptTaken("only once")
    session(first).events.event({ part: "half a reply" })
    const id = await asked(first, ask("n1"))
    kill(first)

    const second = await node({}, first.dir)
    const events = await second.until("the interruption", (events) => statuses(events).length === 2)
    expect(statuses(events)).toEqual([
      { status: "busy", prompt: prompt.offset },
      { status: "error", error: INTERRUPTED, prompt: prompt.offset },
    ])
    expect(second.harness.prompts).toEqual([])
    expect(await second.record()).toMatchObject({ status: "error", error: INTERRUPTED, consumed: prompt.offset })
    // The interrupted turn's request stays answerable, for when the harness asks it again.
    expect(await second.agents.permissions()).toEqual([expect.objectContaining({ id, waiting: false })])

    // Actions after the stored offset are carried out, once.
    const next = await second.promptTaken("next")
    expect(second.harness.prompts).toEqual([{ text: "next" }])
    expect(await second.record()).toMatchObject({ status: "busy", consumed: next.offset })
    expect(first.harness.prompts).toHaveLength(1)
  })

  test("the prompt is recorded as handled before the harness has it: a daemon that dies while handing it over does not send it twice", async () => {
    // A harness that never finishes taking the prompt (starting up when the daemon dies).
    const first = await withAgent({ prompt: () => new Promise(() => {}) })
    const prompt = await first.promptTaken("only once")
    expect(await first.record()).toMatchObject({ status: "busy", consumed: prompt.offset })
    kill(first)
    // Appended while no daemon runs: the new one carries it out.
    await new AgentStreams(first.streams).append(`agents/${agentId}`, [{ type: PROMPT, payload: { text: "while down" } }])

    const second = await node({}, first.dir)
    await waitFor("the waiting prompt at the new harness", () => second.harness.prompts.length === 1)
    expect(second.harness.prompts).toEqual([{ text: "while down" }])
    const events = await second.events()
    expect(statuses(events).map((s) => s.status)).toEqual(["busy", "error", "busy"])
  })

  test("a graceful stop ends the running turn as interrupted; the next daemon adds nothing to it", async () => {
    const first = await withAgent()
    const prompt = await first.promptTaken("long")
    await first.agents.stop()
    // On the stream by the time stop() is done: the daemon closes its stores next.
    expect(statuses(await first.events())).toEqual([
      { status: "busy", prompt: prompt.offset },
      { status: "error", error: INTERRUPTED, prompt: prompt.offset },
    ])
    expect(session(first).closed).toBe(true)

    const second = await node({}, first.dir)
    const marker = await second.agents.abort("app")
    await waitFor("the new adapter caught up", async () => (await second.record()).consumed === marker.event.offset)
    expect(statuses(await second.events())).toHaveLength(2)
    expect(second.harness.sessions).toEqual([])
  })
})

describe("a fenced append", () => {
  test("once another node holds the agent's lease, the adapter stops at once and says it lost the agent; nothing more is appended or carried out", async () => {
    const dir = scratchDir("adapter-fence")
    const store = new SqliteAgentStore(join(dir, "agents.db"))
    const streamStore = new SqliteStreamStore(join(dir, "streams.db"))
    const streams = new AgentStreams(streamStore)
    const lease = "agent:fenced"
    // The lease row a fleet keeps in the stream store's file; this node holds epoch 1.
    const leases = new Database(join(dir, "streams.db"))
    leases.run("INSERT INTO leases (name, epoch) VALUES (?, 1)", [lease])
    mkdirSync(join(dir, "project"))
    await streams.create("agents/fenced")
    const record = await store.insert({ id: "fenced", name: "fenced", harness: "scripted", directory: join(dir, "project"), model: undefined, stream: "agents/fenced", createdAt: new Date().toISOString(), permissions: "ask" })
    const harness = new ScriptedHarness()
    const lost: string[] = []
    const adapter = new AgentAdapter(record, { store, streams, harness, fence: { lease, epoch: 1 }, lost: (reason) => lost.push(reason) })
    adapter.start()
    const read = async () => ((await streams.read("agents/fenced", undefined)) ?? []) as Event[]
    try {
      await streams.append("agents/fenced", [{ type: PROMPT, payload: { text: "one" } }])
      await waitFor("the prompt at the harness", () => harness.prompts.length === 1)
      harness.session!.events.event({ n: 1 })
      await waitFor("the fenced event appended", async () => payloads(await read(), NATIVE).length === 1)

      // Another node takes the agent over.
      leases.run("UPDATE leases SET epoch = 2 WHERE name = ?", [lease])
      harness.session!.events.event({ n: 2 })
      await waitFor("the adapter to give up", () => lost.length === 1)
      expect(lost).toEqual(["its lease moved on (epoch 2, this node had 1)"])
      harness.session!.events.event({ n: 3 })
      harness.session!.events.turnEnded({ status: "idle" })
      await streams.append("agents/fenced", [{ type: PROMPT, payload: { text: "two" } }])
      // The second prompt was read by nobody: give a live adapter ample time to have taken it.
      await Bun.sleep(50)
      expect(harness.prompts).toEqual([{ text: "one" }])
      expect((await read()).map((e) => e.type)).toEqual([PROMPT, STATUS, NATIVE, PROMPT])
    } finally {
      await adapter.stop()
      leases.close()
      await store.close()
      await streamStore.close()
    }
  })
})
