// The ACP session against a scripted ACP agent in this process (the ACP library's agent app on
// in-memory streams, standing in for the agent process): what iterate asks the agent, the files it
// lends it, the permission answers, restoring a session after a respawn, abort, queued prompts.
// The real agents (claude-agent-acp, a broken command) are in test/e2e/harness/acp.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type AgentContext, agent as agentApp, type AnyMessage, PROTOCOL_VERSION, type RequestPermissionResponse, type SessionUpdate } from "@agentclientprotocol/sdk"
import { afterEach, beforeEach, describe, expect, test } from "vitest"
import type { AgentPeer } from "../../../../src/harness/acp/connection.ts"
import { AcpSession } from "../../../../src/harness/acp/session.ts"
import type { ProcessExit } from "../../../../src/harness/process/exit.ts"
import { RecordedEvents } from "../../../support/recorded-events.ts"
import { waitFor } from "../../../support/wait.ts"

interface Script {
  loadSession?: boolean
  /** answers session/load first and replays the conversation after, a few updates apart (Gemini CLI 0.61.0 does) */
  replayAfterLoad?: boolean
  resume?: boolean
  /** runs each prompt; returns its stop reason */
  prompt?: (context: { client: AgentContext; sessionId: string; text: string; signal: AbortSignal }) => Promise<"end_turn" | "cancelled">
  /** never answers initialize */
  silent?: boolean
  configOptions?: unknown[]
  /** the session modes session/new and session/load report, current one first */
  modes?: string[]
  /** session/set_mode fails */
  refusesMode?: boolean
}

/** What the scripted agents were asked, across every process the session started. */
interface Seen {
  initialize: Array<Record<string, unknown>>
  methods: string[]
  prompts: string[]
  cancels: number
  configs: unknown[]
  modes: unknown[]
}

let pids = 1000

const modesOf = (script: Script) =>
  script.modes ? { modes: { currentModeId: script.modes[0]!, availableModes: script.modes.map((id) => ({ id, name: id })) } } : {}

function scriptedPeer(script: Script, seen: Seen, sessions: Set<string>): AgentPeer {
  let nextSession = 0
  const app = agentApp({ name: "scripted" })
    .onRequest("initialize", async ({ params }) => {
      seen.initialize.push(params as Record<string, unknown>)
      if (script.silent) await new Promise(() => {})
      return {
        protocolVersion: PROTOCOL_VERSION,
        agentCapabilities: { loadSession: script.loadSession ?? false, ...(script.resume && { sessionCapabilities: { resume: {} } }) },
        agentInfo: { name: "scripted", version: "1.2.3" },
      }
    })
    .onRequest("session/new", async ({ params }) => {
      seen.methods.push("session/new")
      const sessionId = `s${++nextSession}-${pids}`
      sessions.add(sessionId)
      expect(params.cwd).toBeTruthy()
      return { sessionId, ...(script.configOptions && { configOptions: script.configOptions as never }), ...modesOf(script) }
    })
    .onRequest("session/load", async ({ params, client }) => {
      seen.methods.push("session/load")
      if (!sessions.has(params.sessionId)) throw new Error("no such session")
      // The replay of the conversation, which the stream has already.
      const replay = () => update(client, params.sessionId, say("replayed"))
      if (!script.replayAfterLoad) await replay()
      else
        void (async () => {
          for (const pause of [0, 0, 20, 5]) {
            await Bun.sleep(pause)
            await replay()
          }
        })()
      return { ...modesOf(script) }
    })
    .onRequest("session/resume", async ({ params }) => {
      seen.methods.push("session/resume")
      if (!sessions.has(params.sessionId)) throw new Error("no such session")
      return {}
    })
    .onRequest("session/set_mode", async ({ params }) => {
      seen.modes.push(params)
      if (script.refusesMode) throw new Error("no modes today")
      return {}
    })
    .onRequest("session/set_config_option", async ({ params }) => {
      seen.configs.push(params)
      return { configOptions: [] }
    })
    .onRequest("session/prompt", async ({ params, client, signal }) => {
      const text = params.prompt.map((b) => (b.type === "text" ? b.text : "")).join("")
      seen.prompts.push(text)
      const stopReason = (await script.prompt?.({ client, sessionId: params.sessionId, text, signal })) ?? "end_turn"
      return { stopReason }
    })
    .onNotification("session/cancel", () => void seen.cancels++)
  const toAgent = new TransformStream<AnyMessage, AnyMessage>()
  const toClient = new TransformStream<AnyMessage, AnyMessage>()
  const connection = app.connect({ readable: toAgent.readable, writable: toClient.writable })
  const writer = toAgent.writable.getWriter()
  const listeners: Array<(message: unknown) => void> = []
  void (async () => {
    for await (const message of toClient.readable) for (const listener of listeners) listener(structuredClone(message))
  })().catch(() => {})
  let exit!: (exit: ProcessExit) => void
  const exited = new Promise<ProcessExit>((resolve) => (exit = resolve))
  let alive = true
  const end = (signal: string | null) => {
    if (!alive) return
    alive = false
    connection.close()
    exit({ code: signal ? null : 0, signal, said: undefined })
  }
  const peer: AgentPeer & { crash(): void } = {
    pid: ++pids,
    exited,
    get running() {
      return alive
    },
    onMessage: (listener) => void listeners.push(listener),
    send: (message) => {
      if (!alive) return false
      void writer.write(message).catch(() => {})
      return true
    },
    endInput: () => end(null),
    kill: async () => (end("SIGTERM"), exited),
    killLeftovers: () => {},
    note: () => {},
    crash: () => end("SIGKILL"),
  }
  return peer
}

const update = (client: AgentContext, sessionId: string, update: SessionUpdate) => client.notify("session/update", { sessionId, update })
const say = (text: string): SessionUpdate => ({ sessionUpdate: "agent_message_chunk", content: { type: "text", text } })

let directory: string
let outside: string
beforeEach(() => {
  const root = mkdtempSync(join(tmpdir(), "iterate-acp-session-"))
  directory = join(root, "project")
  outside = join(root, "elsewhere")
  mkdirSync(directory)
  mkdirSync(outside)
})
const sessionsToClose: AcpSession[] = []
afterEach(async () => {
  await Promise.all(sessionsToClose.splice(0).map((s) => s.close()))
  rmSync(join(directory, ".."), { recursive: true, force: true })
})

function open(script: Script, options: { resume?: string; model?: string; sessions?: Set<string>; startTimeoutMs?: number } = {}) {
  const events = new RecordedEvents()
  const seen: Seen = { initialize: [], methods: [], prompts: [], cancels: 0, configs: [], modes: [] }
  const sessions = options.sessions ?? new Set<string>()
  const peers: Array<AgentPeer & { crash(): void }> = []
  const session = new AcpSession({
    name: "scripted",
    agent: { id: "a1", name: "test", directory, ...(options.model && { model: options.model }), ...(options.resume && { resume: { sessionId: options.resume } }) },
    events,
    spawn: () => {
      const peer = scriptedPeer(script, seen, sessions) as AgentPeer & { crash(): void }
      peers.push(peer)
      return peer
    },
    logFile: join(directory, "..", "agent.log"),
    fix: "fix it",
    idleTimeoutMs: 60_000,
    startTimeoutMs: options.startTimeoutMs ?? 5_000,
  })
  sessionsToClose.push(session)
  return { session, events, seen, peers, sessions }
}

describe("ACP session", () => {
  test("initialize offers the files, session/new runs in the directory, updates and the prompt's result are reported in order", async () => {
    const { session, events, seen } = open({
      prompt: async ({ client, sessionId }) => {
        await update(client, sessionId, say("Hello "))
        await update(client, sessionId, say("there."))
        return "end_turn"
      },
    })
    await session.prompt({ text: "say hello" })
    expect(await events.turn(1)).toEqual({ status: "idle" })
    expect(seen.initialize[0]).toMatchObject({ protocolVersion: PROTOCOL_VERSION, clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: false }, clientInfo: { name: "iterate" } })
    expect(seen.prompts).toEqual(["say hello"])
    expect(events.natives.map((n) => (n.update as { content?: { text: string } } | undefined)?.content?.text ?? n.stopReason)).toEqual(["Hello ", "there.", "end_turn"])
    expect(events.resumes).toEqual([{ sessionId: expect.stringMatching(/^s1-/) }])
    expect(events.started).toHaveLength(1)
  })

  test("a permission request is an ask by its tool call's kind; allow, always and deny pick the agent's options by kind", async () => {
    const answers: RequestPermissionResponse[] = []
    const { session, events } = open({
      prompt: async ({ client, sessionId }) => {
        const toolCall = { toolCallId: "t1", title: "Write a.txt", kind: "edit" as const, content: [{ type: "diff" as const, path: join(directory, "a.txt"), newText: "a\n" }], rawInput: { file_path: join(directory, "a.txt") } }
        await update(client, sessionId, { sessionUpdate: "tool_call", ...toolCall, status: "pending" })
        for (let i = 0; i < 3; i++)
          answers.push(
            await client.request("session/request_permission", {
              sessionId,
              // Only the id: the client knows the call from its tool_call update.
              toolCall: { toolCallId: "t1" },
              options: [
                { optionId: "yes-always", name: "Always", kind: "allow_always" },
                { optionId: "yes", name: "Yes", kind: "allow_once" },
                { optionId: "no", name: "No", kind: "reject_once" },
              ],
            }),
          )
        return "end_turn"
      },
    })
    const decisions = ["allow", "always", "deny"] as const
    events.onAsk = (ask) => void session.answer(ask.nativeId, { decision: decisions[events.asks.length - 1]! })
    await session.prompt({ text: "write a.txt" })
    expect(await events.turn(1)).toEqual({ status: "idle" })
    expect(events.asks[0]).toMatchObject({ tool: "edit", kind: "edit", summary: "write a.txt", input: { file_path: join(directory, "a.txt") }, request: { toolCall: { toolCallId: "t1" } } })
    expect(answers.map((a) => (a.outcome.outcome === "selected" ? a.outcome.optionId : "cancelled"))).toEqual(["yes", "yes-always", "no"])
  })

  test("the agent reads files inside its directory only, by line and limit, a missing one as empty; links out of it are refused", async () => {
    writeFileSync(join(directory, "notes.txt"), "one\ntwo\nthree\n")
    writeFileSync(join(outside, "secret.txt"), "secret\n")
    symlinkSync(join(outside, "secret.txt"), join(directory, "link.txt"))
    const results: Array<string> = []
    const { session, events } = open({
      prompt: async ({ client, sessionId }) => {
        const read = (path: string, more = {}) =>
          client.request("fs/read_text_file", { sessionId, path, ...more }).then(
            (r) => r.content,
            (e: Error) => `error: ${e.message}`,
          )
        results.push(await read(join(directory, "notes.txt")), await read(join(directory, "notes.txt"), { line: 2, limit: 1 }))
        results.push(await read(join(outside, "secret.txt")), await read(join(directory, "link.txt")), await read("notes.txt"), await read(join(directory, "missing.txt")))
        return "end_turn"
      },
    })
    await session.prompt({ text: "read" })
    await events.turn(1)
    expect(results.slice(0, 2)).toEqual(["one\ntwo\nthree\n", "two"])
    expect(results[2]).toContain("is outside the agent's directory")
    expect(results[3]).toContain("is outside the agent's directory")
    expect(results[4]).toContain("is not an absolute path")
    expect(results[5]).toBe("")
  })

  test("a write asks as an edit unless the person allowed that file's tool call in this turn; a refused one writes nothing", async () => {
    const outcomes: string[] = []
    const { session, events } = open({
      prompt: async ({ client, sessionId }) => {
        const write = (name: string) =>
          client.request("fs/write_text_file", { sessionId, path: join(directory, name), content: `${name}\n` }).then(
            () => "written",
            (e: Error) => `error: ${e.message}`,
          )
        outcomes.push(await write("asked.txt"), await write("refused.txt"))
        const path = join(directory, "sub", "allowed.txt")
        await update(client, sessionId, { sessionUpdate: "tool_call", toolCallId: "t1", title: "Write", kind: "edit", locations: [{ path }] })
        await client.request("session/request_permission", { sessionId, toolCall: { toolCallId: "t1" }, options: [{ optionId: "ok", name: "OK", kind: "allow_once" }] })
        outcomes.push(await write(join("sub", "allowed.txt")))
        outcomes.push(await client.request("fs/write_text_file", { sessionId, path: join(outside, "x.txt"), content: "x" }).then(() => "written", (e: Error) => `error: ${e.message}`))
        return "end_turn"
      },
    })
    events.onAsk = (ask) => void session.answer(ask.nativeId, { decision: ask.summary === "write refused.txt" ? "deny" : "allow" })
    await session.prompt({ text: "write" })
    await events.turn(1)
    expect(events.asks.map((a) => [a.tool, a.kind, a.summary])).toEqual([
      ["edit", "edit", "write asked.txt"],
      ["edit", "edit", "write refused.txt"],
      ["edit", "edit", "edit sub/allowed.txt"],
    ])
    expect(outcomes[0]).toBe("written")
    expect(outcomes[1]).toContain("the user refused to let scripted write")
    expect(outcomes[2]).toBe("written")
    expect(outcomes[3]).toContain("is outside the agent's directory")
    expect(readFileSync(join(directory, "asked.txt"), "utf8")).toBe("asked.txt\n")
    expect(readFileSync(join(directory, "sub", "allowed.txt"), "utf8")).toBe("sub/allowed.txt\n")
    expect(existsSync(join(directory, "refused.txt"))).toBe(false)
    expect(existsSync(join(outside, "x.txt"))).toBe(false)
  })

  const restore: Array<[string, Script, string[]]> = [
    ["session/resume when the agent offers it", { resume: true, loadSession: true }, ["session/new", "session/resume"]],
    ["session/load when it offers only that, its replay left out", { loadSession: true }, ["session/new", "session/load"]],
    ["session/load whose replay comes after its answer, left out all the same", { loadSession: true, replayAfterLoad: true }, ["session/new", "session/load"]],
  ]
  for (const [how, script, methods] of restore)
    test(`after a crash the next prompt restores the session by ${how}`, async () => {
      const { session, events, seen, peers } = open({ ...script, prompt: async ({ client, sessionId }) => (await update(client, sessionId, say("hi")), "end_turn") })
      await session.prompt({ text: "one" })
      await events.turn(1)
      const sessionId = events.resumes[0]!.sessionId
      peers[0]!.crash()
      await waitFor("the crash", () => events.crashes[0])
      expect(events.crashes[0]).toMatchObject({ pid: peers[0]!.pid, reason: "exited (signal SIGKILL)" })
      await session.prompt({ text: "two" })
      await events.turn(2)
      expect(seen.methods).toEqual(methods)
      expect(events.resumes).toEqual([{ sessionId }])
      expect(events.warnings).toEqual([])
      expect(JSON.stringify(events.natives)).not.toContain("replayed")
      expect(events.natives.map((n) => (n.update as { content?: { text: string } } | undefined)?.content?.text ?? n.stopReason)).toEqual(["hi", "end_turn", "hi", "end_turn"])
    })

  test("a later daemon's session restores from the stored session id; an agent that cannot restore one starts anew and says so", async () => {
    const sessions = new Set(["s1-old"])
    const resumed = open({ resume: true }, { resume: "s1-old", sessions })
    await resumed.session.prompt({ text: "go on" })
    await resumed.events.turn(1)
    expect(resumed.seen.methods).toEqual(["session/resume"])
    expect(resumed.events.resumes).toEqual([])

    const forgetful = open({}, { resume: "s1-old", sessions })
    await forgetful.session.prompt({ text: "go on" })
    await forgetful.events.turn(1)
    expect(forgetful.seen.methods).toEqual(["session/new"])
    expect(forgetful.events.warnings).toEqual([
      "scripted could not restore its context (it can neither resume nor load a session): this turn starts a new conversation; the turns before it are in this transcript only",
    ])
    expect(forgetful.events.resumes).toEqual([{ sessionId: expect.stringMatching(/^s1-/) }])

    const gone = open({ loadSession: true }, { resume: "s9-gone", sessions })
    await gone.session.prompt({ text: "go on" })
    await gone.events.turn(1)
    expect(gone.seen.methods).toEqual(["session/load", "session/new"])
    expect(gone.events.warnings[0]).toContain("session/load s9-gone failed")
  })

  test("abort cancels the turn: the agent gets session/cancel, its open request is answered cancelled and withdrawn, the turn ends aborted", async () => {
    let answer: RequestPermissionResponse | undefined
    const { session, events, seen } = open({
      prompt: async ({ client, sessionId }) => {
        answer = await client.request("session/request_permission", { sessionId, toolCall: { toolCallId: "t1", title: "rm -rf", kind: "execute", rawInput: { command: "rm -rf x" } }, options: [{ optionId: "y", name: "Yes", kind: "allow_once" }] })
        return "cancelled"
      },
    })
    await session.prompt({ text: "delete" })
    const ask = await events.ask(1)
    expect(ask).toMatchObject({ kind: "command", summary: "run `rm -rf x`" })
    await session.abort()
    expect(await events.turn(1)).toEqual({ status: "idle", aborted: true })
    expect(seen.cancels).toBe(1)
    expect(answer).toEqual({ outcome: { outcome: "cancelled" } })
    expect(events.withdrawn).toEqual([ask.nativeId])
  })

  test("a prompt sent while a turn runs goes to the agent after the first one's result, in the same turn", async () => {
    let release!: () => void
    const { session, events, seen } = open({
      prompt: async ({ text }) => {
        if (text === "first") await new Promise<void>((resolve) => (release = resolve))
        return "end_turn"
      },
    })
    await session.prompt({ text: "first" })
    await waitFor("the first prompt", () => seen.prompts.length === 1)
    await session.prompt({ text: "second" })
    expect(seen.prompts).toEqual(["first"])
    release()
    expect(await events.turn(1)).toEqual({ status: "idle" })
    expect(seen.prompts).toEqual(["first", "second"])
    expect(events.turns).toHaveLength(1)
  })

  test("a prompt sent after an abort, before the aborted turn is over, is a turn of its own", async () => {
    let release!: () => void
    const { session, events, seen } = open({
      prompt: async ({ text, signal }) => {
        if (text === "slow") await new Promise<void>((resolve) => (release = resolve))
        return signal.aborted || text === "slow" ? "cancelled" : "end_turn"
      },
    })
    await session.prompt({ text: "slow" })
    await waitFor("the slow prompt", () => seen.prompts.length === 1)
    const aborted = session.abort()
    const next = session.prompt({ text: "next" })
    await waitFor("the cancel", () => seen.cancels === 1)
    release()
    await aborted
    await next
    expect(await events.turn(1)).toEqual({ status: "idle", aborted: true })
    expect(await events.turn(2)).toEqual({ status: "idle" })
    expect(seen.prompts).toEqual(["slow", "next"])
  })

  test("a model is set through the agent's model option before the prompt that needs it", async () => {
    const configOptions = [{ id: "model", name: "Model", category: "model", type: "select", currentValue: "default", options: [{ value: "default", name: "Default" }, { value: "fast", name: "Fast" }] }]
    const { session, events, seen } = open({ configOptions }, { model: "fast" })
    await session.prompt({ text: "one" })
    await events.turn(1)
    await session.prompt({ text: "two", model: "default" })
    await events.turn(2)
    expect(seen.configs).toEqual([
      { sessionId: expect.any(String), configId: "model", value: "fast" },
      { sessionId: expect.any(String), configId: "model", value: "default" },
    ])

    const none = open({}, { model: "fast" })
    await expect(none.session.prompt({ text: "one" })).rejects.toThrow("scripted does not let a client choose its model")
  })

  test("a session that starts in a mode that does not ask (Qwen Code's auto) is put in the agent's default mode, when made and when restored", async () => {
    const { session, events, seen, peers } = open({ modes: ["auto", "plan", "default", "yolo"], loadSession: true })
    await session.prompt({ text: "one" })
    await events.turn(1)
    expect(seen.modes).toEqual([{ sessionId: expect.any(String), modeId: "default" }])
    peers[0]!.crash()
    await waitFor("the crash", () => events.crashes[0])
    await session.prompt({ text: "two" })
    await events.turn(2)
    expect(seen.methods).toEqual(["session/new", "session/load"])
    expect(seen.modes).toEqual([{ sessionId: expect.any(String), modeId: "default" }, { sessionId: expect.any(String), modeId: "default" }])
    expect(events.warnings).toEqual([])

    // Already asking, or with no mode of that name: nothing to set.
    for (const modes of [["default", "auto"], ["ask", "auto"]]) {
      const other = open({ modes })
      await other.session.prompt({ text: "one" })
      await other.events.turn(1)
      expect(other.seen.modes).toEqual([])
    }

    const refusing = open({ modes: ["auto", "default"], refusesMode: true })
    await refusing.session.prompt({ text: "one" })
    expect(await refusing.events.turn(1)).toEqual({ status: "idle" })
    expect(refusing.events.warnings).toEqual([expect.stringMatching(/^scripted stayed in its auto mode \(session\/set_mode default failed: .*\): it may run tools without asking$/)])
  })

  test("an agent that never answers initialize: the prompt fails naming the harness, the time and what to do", async () => {
    const { session } = open({ silent: true }, { startTimeoutMs: 200 })
    await expect(session.prompt({ text: "hello" })).rejects.toThrow("scripted could not start (initialize): it did not answer initialize within 0 s; fix it")
  })

  test("attach says an ACP agent has no terminal UI", async () => {
    const { session } = open({})
    await expect(session.attach()).rejects.toThrow("scripted is an ACP agent: it has no terminal UI of its own to attach to")
  })
})
