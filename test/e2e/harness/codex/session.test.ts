// The Codex harness driving the real codex app-server against the Responses stub: sessions opened
// on a Harness with events that record every call; agents of one harness share one app-server.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { createCodexHarness } from "../../../../src/harness/codex/index.ts"
import type { HarnessSession, TurnInput } from "../../../../src/harness/harness.ts"
import { descendants } from "../../../../src/harness/process/tree.ts"
import { CodexEvents, testCodexBinary, useCodexProject, userTexts } from "../../../support/codex-project.ts"
import { cmdline, sessionScenarios, useHarnessSessions } from "../../../support/harness-scenarios.ts"
import { addFilePatch, applyPatch, exec, failure, text, useResponsesStub } from "../../../support/responses-stub.ts"
import { isAlive, waitFor } from "../../../support/wait.ts"

const stub = useResponsesStub()
const project = useCodexProject(stub)

/** Everything the model was sent in request `n` (0-based; the last by default). */
const asked = (n = -1) => JSON.stringify(stub.turns.at(n)!.body.input)

describe("Codex session", { timeout: 90_000 }, () => {
  const { harnessFor, open } = useHarnessSessions((config) => createCodexHarness(project.context(config)), () => new CodexEvents(), () => project.directory)

  sessionScenarios({
    process: "codex app-server",
    open,
    stub,
    text,
    write: {
      tool: "apply_patch",
      reply: (name, content) => applyPatch(addFilePatch(name, content)),
      input: (name, content) => ({ changes: [{ path: join(project.directory, name), kind: { type: "add" }, diff: content }] }),
    },
    directory: () => project.directory,
    userTexts: (n) => userTexts(stub.turns[n]!.body),
    sent: asked,
    killed: { status: "error", error: "codex app-server exited (signal SIGKILL)" },
  })

  test("a prompt starts the app-server and a thread in the agent's directory; the reply streams, the turn ends idle", async () => {
    stub.reply(text("Hello from the stub, streamed in pieces."))
    const { events, session } = open()
    await session.prompt({ text: "say hello" })
    expect(await events.turn(1)).toEqual({ status: "idle" })
    expect(events.streamedText).toBe("Hello from the stub, streamed in pieces.")
    expect(events.resumes).toEqual([{ threadId: expect.stringMatching(/^[0-9a-f-]{36}$/) }])
    expect(events.natives[0]).toMatchObject({ method: "thread/started", params: { thread: { id: events.resumes[0]!.threadId, cwd: project.directory } } })
    expect(events.natives.at(-1)).toMatchObject({ method: "turn/completed", params: { turn: { status: "completed" } } })
    expect(userTexts(stub.turns[0]!.body)).toContain("say hello")
    // The app-server stays up for the next prompt, marked as the daemon's.
    expect(events.started).toHaveLength(1)
    const pid = events.started[0]!
    expect(isAlive(pid)).toBe(true)
    expect(cmdline(pid)).toEqual([testCodexBinary(), "app-server", "-c", "thread_unload_delay_secs=0", ""])
    expect(readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")).toContain(`ITERATE_CODEX_SERVER=${project.dataDir}`)
  })

  test("agents of one harness share one app-server, each thread in its own directory with its own events", async () => {
    const harness = harnessFor()
    const other = join(project.root, "other")
    mkdirSync(other, { recursive: true })
    const a = open({ harness })
    const b = open({ harness, agent: { directory: other } })
    stub.reply(exec("pwd > where.txt"), text("A is done."))
    await a.session.prompt({ text: "where is A?" })
    await a.session.answer((await a.events.ask(1)).nativeId, { decision: "allow" })
    expect(await a.events.turn(1)).toEqual({ status: "idle" })
    stub.reply(exec("pwd > where.txt"), text("B is done."))
    await b.session.prompt({ text: "where is B?" })
    await b.session.answer((await b.events.ask(1)).nativeId, { decision: "allow" })
    expect(await b.events.turn(1)).toEqual({ status: "idle" })
    expect(readFileSync(join(project.directory, "where.txt"), "utf8").trim()).toBe(project.directory)
    expect(readFileSync(join(other, "where.txt"), "utf8").trim()).toBe(other)
    expect(b.events.started).toEqual([])
    expect(a.events.started).toHaveLength(1)
    expect(a.events.streamedText).toBe("A is done.")
    expect(b.events.streamedText).toBe("B is done.")
    const thread = (events: CodexEvents) => new Set(events.natives.map((n) => (n.params as { threadId?: string }).threadId ?? (n.params as { thread: { id: string } }).thread.id))
    expect(thread(a.events)).toEqual(new Set([a.events.resumes[0]!.threadId]))
    expect(thread(b.events)).toEqual(new Set([b.events.resumes[0]!.threadId]))
  })

  test("a patch asks as an edit, summarised and named by what it changes; allowed, it writes the file", async () => {
    const file = join(project.directory, "allowed.txt")
    stub.reply(applyPatch(addFilePatch("allowed.txt", "hi from the stub\n")), text("I wrote allowed.txt."))
    const { events, session } = open()
    await session.prompt({ text: "write allowed.txt" })
    const ask = await events.ask(1)
    expect(ask).toMatchObject({
      tool: "apply_patch",
      kind: "edit",
      summary: "write allowed.txt",
      input: { changes: [{ path: file, kind: { type: "add" }, diff: "hi from the stub\n" }] },
      request: { method: "item/fileChange/requestApproval", params: { itemId: expect.any(String) } },
    })
    expect(existsSync(file)).toBe(false)
    await session.answer(ask.nativeId, { decision: "allow" })
    expect(await events.turn(1)).toEqual({ status: "idle" })
    expect(readFileSync(file, "utf8")).toBe("hi from the stub\n")
    expect(events.withdrawn).toEqual([])
  })

  test("a denied patch writes nothing, the model is told, and the turn ends cleanly", async () => {
    stub.reply(applyPatch(addFilePatch("denied.txt", "no\n")), text("Understood."))
    const { events, session } = open()
    await session.prompt({ text: "write denied.txt" })
    await session.answer((await events.ask(1)).nativeId, { decision: "deny" })
    expect(await events.turn(1)).toEqual({ status: "idle" })
    expect(existsSync(join(project.directory, "denied.txt"))).toBe(false)
    expect(asked()).toMatch(/reject/i)
  })

  test("a command asks with the script it runs; one that only reads asks as a read", async () => {
    stub.reply(exec("echo hello > out.txt"), exec("cat out.txt"), text("Ran them."))
    const { events, session } = open()
    events.onAsk = (ask) => void session.answer(ask.nativeId, { decision: "allow" })
    await session.prompt({ text: "run it" })
    expect(await events.turn(1)).toEqual({ status: "idle" })
    expect(events.asks.map((a) => [a.tool, a.kind, a.summary, a.input])).toEqual([
      ["shell", "command", "run `echo hello > out.txt`", { command: "echo hello > out.txt" }],
      ["shell", "read", "run `cat out.txt`", { command: "cat out.txt" }],
    ])
    expect(asked()).toContain("hello")
  })

  test("a prompt sent while a turn runs is folded into it: one turn end, and the model hears both", async () => {
    stub.reply(exec("sleep 1"), text("Both heard."))
    const { events, session } = open()
    await session.prompt({ text: "slow one" })
    const ask = await events.ask(1)
    await session.prompt({ text: "and a follow-up" })
    await session.answer(ask.nativeId, { decision: "allow" })
    expect(await events.turn(1)).toEqual({ status: "idle" })
    expect(userTexts(stub.turns.at(-1)!.body)).toEqual(expect.arrayContaining(["slow one", "and a follow-up"]))
    await Bun.sleep(300)
    expect(events.turns).toHaveLength(1)
  })

  test("a killed app-server is a crash to the agents with a thread on it; the turn fails and the next prompt resumes the thread", async () => {
    const harness = harnessFor()
    stub.reply(text("Noted tangerine."))
    const idle = open({ harness })
    await idle.session.prompt({ text: "remember the word tangerine" })
    await idle.events.turn(1)
    const bystander = open({ harness })
    stub.reply(text("z".repeat(400), { chunkSize: 4, delayMs: 40 }), text("It was tangerine."))
    await idle.session.prompt({ text: "talk for a while" })
    await waitFor("the reply to stream", () => idle.events.streamedText.length > "Noted tangerine.".length)
    const pid = idle.events.started[0]!
    process.kill(pid, "SIGKILL")
    expect(await idle.events.turn(2)).toEqual({ status: "error", error: "codex app-server exited (signal SIGKILL)" })
    expect(idle.events.crashes).toEqual([{ pid, reason: "exited (signal SIGKILL)", logFile: join(project.logDir, "codex-app-server.log") }])
    expect(idle.events.exited).toEqual([pid])
    // An agent that has no thread on it yet has lost nothing.
    expect(bystander.events.crashes).toEqual([])

    await idle.session.prompt({ text: "what was the word?" })
    expect(await idle.events.turn(3)).toEqual({ status: "idle" })
    expect(idle.events.started).toEqual([pid, expect.any(Number)])
    expect(idle.events.resumes).toHaveLength(1)
    expect(asked()).toContain("remember the word tangerine")
  })

  test("a thread this CODEX_HOME does not have fails the prompt saying so, once: the next prompt starts a new thread", async () => {
    const lost = "01a250f6-861e-7853-962b-0bb71271e2ab"
    stub.reply(text("A fresh start."))
    const { events, session } = open({ agent: { resume: { threadId: lost } } })
    const error = await session.prompt({ text: "where were we?" }).then(() => undefined, (e: Error) => e.message)
    expect(error).toBe(`Codex has no thread ${lost} in ${project.codexHome}, so the conversation so far cannot go on here; the next prompt starts a new thread`)
    await session.prompt({ text: "start again" })
    expect(await events.turn(1)).toEqual({ status: "idle" })
    expect(events.resumes).toEqual([{ threadId: expect.not.stringMatching(lost) }])
  })

  test("a thread another codex holds open fails the prompt saying so", async () => {
    stub.reply(text("Noted."))
    const first = open()
    await first.session.prompt({ text: "hello" })
    await first.events.turn(1)
    const resume = first.events.resumes[0]!
    await first.harness.stop()
    // Another codex on the same CODEX_HOME with the thread loaded (a TUI, codex's own background app-server).
    const other = Bun.spawn([testCodexBinary(), "app-server"], { cwd: project.directory, env: project.env, stdin: "pipe", stdout: "pipe", stderr: "ignore" })
    try {
      const send = (message: object) => other.stdin.write(`${JSON.stringify(message)}\n`)
      send({ id: 1, method: "initialize", params: { clientInfo: { name: "other", title: null, version: "1" }, capabilities: { experimentalApi: false, requestAttestation: false } } })
      send({ method: "initialized" })
      send({ id: 2, method: "thread/resume", params: { threadId: resume.threadId } })
      const reader = other.stdout.pipeThrough(new TextDecoderStream()).getReader()
      for (let seen = ""; !seen.includes('"id":2'); ) seen += (await reader.read()).value ?? ""
      const second = open({ agent: { id: first.agent.id, resume } })
      const error = await second.session.prompt({ text: "and now?" }).then(() => undefined, (e: Error) => e.message)
      expect(error).toBe(`another codex has this agent's thread ${resume.threadId} open (a TUI, or codex's own background app-server): close it, then prompt again`)
    } finally {
      other.kill()
    }
  })

  test("a turn's model is used for that turn only; the agent's model otherwise, and codex's default without one", async () => {
    stub.reply(text("one"), text("two"), text("three"), text("four"), text("five"), text("six"))
    /** the model of each request the prompt made */
    const models = async (session: HarnessSession, events: CodexEvents, prompt: TurnInput) => {
      const from = stub.turns.length
      await session.prompt(prompt)
      await events.turn(events.turns.length + 1)
      return stub.turns.slice(from).map((t) => t.body.model)
    }
    const named = open({ agent: { model: "gpt-5.6-sol" } })
    expect(await models(named.session, named.events, { text: "a" })).toEqual(["gpt-5.6-sol"])
    expect(await models(named.session, named.events, { text: "b", model: "gpt-6-luna" })).toEqual(["gpt-6-luna"])
    expect(await models(named.session, named.events, { text: "c" })).toEqual(["gpt-5.6-sol"])
    const plain = open()
    expect(await models(plain.session, plain.events, { text: "d", model: "gpt-5.6-sol" })).toEqual(["gpt-5.6-sol"])
    // Back to a model with a smaller context window, codex first compacts the thread with the one before.
    expect((await models(plain.session, plain.events, { text: "e" })).at(-1)).toBe("gpt-5.5")
  })

  test("a model API error fails the turn with the API's message", async () => {
    stub.reply(failure("The stub refuses this request"))
    const { events, session } = open()
    await session.prompt({ text: "hello?" })
    expect(await events.turn(1)).toEqual({ status: "error", error: "The stub refuses this request" })
  })

  test("an app-server that never answers initialize: the prompt fails saying so, and nothing is left running", async () => {
    const silent = join(project.root, "silent-codex")
    const pidFile = join(project.root, "silent-codex.pid")
    writeFileSync(silent, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 300\n`, { mode: 0o755 })
    const { events, session } = open({ config: { binary: silent, startTimeoutMs: 500 } })
    const error = await session.prompt({ text: "hello?" }).then(() => undefined, (e: Error) => e.message)
    expect(error).toBe(`codex app-server did not answer initialize within 0.5 s (see ${join(project.logDir, "codex-app-server.log")})`)
    expect(events.started).toEqual([])
    expect(isAlive(Number(readFileSync(pidFile, "utf8")))).toBe(false)
  })

  test("a codex that dies at start fails the prompt with what it said", async () => {
    const broken = join(project.root, "broken-codex")
    writeFileSync(broken, "#!/bin/sh\necho 'Error: this codex is broken' >&2\nexit 1\n", { mode: 0o755 })
    const { session } = open({ config: { binary: broken } })
    const error = await session.prompt({ text: "hello?" }).then(() => undefined, (e: Error) => e.message)
    expect(error).toBe("codex app-server exited (code 1: this codex is broken)")
    expect(readFileSync(join(project.logDir, "codex-app-server.log"), "utf8")).toContain("this codex is broken")
  })

  test("stopping the harness stops the app-server and the commands it runs", async () => {
    stub.reply(exec("touch started && sleep 300"))
    const { harness, events, session } = open()
    await session.prompt({ text: "wait a while" })
    await session.answer((await events.ask(1)).nativeId, { decision: "allow" })
    await waitFor("the command to start", () => existsSync(join(project.directory, "started")))
    const pid = events.started[0]!
    const sleeper = await waitFor("the sleep command", () => descendants(pid).find((p) => cmdline(p.pid).join(" ").includes("sleep 300"))?.pid)
    await harness.stop()
    expect(isAlive(pid)).toBe(false)
    await waitFor("the sleep to be gone", () => !isAlive(sleeper), { timeoutMs: 5_000 })
  })

  test("attach opens Codex's own TUI on the thread, which has it to itself while the agent is idle; the next prompt sees what happened there", async () => {
    stub.reply(text("hi"))
    const { events, session, agent } = open()
    expect(await session.attach().catch((e: Error) => e.message)).toBe(`${agent.name} has no Codex thread yet: prompt it once, then attach`)
    await session.prompt({ text: "hi" })
    await events.turn(1)
    const threadId = events.resumes[0]!.threadId!
    const attach = await session.attach()
    expect(attach).toEqual({ argv: [testCodexBinary(), "resume", threadId, "--disable", "daemon_auto_start"], cwd: agent.directory, env: { CODEX_HOME: project.codexHome } })
    // What a person does in the TUI, done here by codex exec on the same thread and CODEX_HOME.
    stub.reply(text("Done in the TUI."))
    // (not spawnSync: the stub answers it from this process)
    const tui = Bun.spawn([testCodexBinary(), "exec", "--skip-git-repo-check", "resume", threadId, "a word from the TUI: kumquat"], {
      cwd: attach.cwd,
      env: { ...project.env, ...attach.env },
      stdin: "ignore",
      stdout: "ignore",
      stderr: "pipe",
    })
    expect(await tui.exited, await new Response(tui.stderr).text()).toBe(0)
    stub.reply(text("Back in iterate."))
    await session.prompt({ text: "what did I say there?" })
    expect(await events.turn(2)).toEqual({ status: "idle" })
    expect(asked()).toContain("kumquat")
    expect(events.started).toHaveLength(1)
  })
})
