// What the harness tests of Claude Code and Codex have in common: the harnesses a test file makes
// and the sessions it opens on them, and the scenarios both harnesses must pass the same way
// (aborts, a process killed while it asks, the idle timeout, a new Harness resuming; a bad setting,
// stopping orphans), written once and run by each file against its own binary and stub.
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, expect, test } from "vitest"
import type { Subprocess } from "bun"
import { type Harness, type HarnessAgent, type HarnessResume, type HarnessSession, HarnessUnavailableError } from "../../src/harness/harness.ts"
import type { RecordedEvents } from "./recorded-events.ts"
import { isAlive, waitFor } from "./wait.ts"

/** The command line of a process, [] once it has gone. */
export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
  } catch {
    return [] // exited while we looked
  }
}

export interface OpenOptions {
  /** open on this harness (agents sharing it); a new one otherwise */
  harness?: Harness
  /** the harness's config section, for a new harness */
  config?: Record<string, unknown>
  agent?: Partial<HarnessAgent>
}

export interface Opened<E> {
  harness: Harness
  events: E
  session: HarnessSession
  agent: HarnessAgent
}

/**
 * `harnessFor(config)` makes a harness with `make` and `open()` a session on one, with a fresh agent
 * in `directory()` and new recorded events; every harness made is stopped after its test.
 */
export function useHarnessSessions<E extends RecordedEvents>(make: (config: Record<string, unknown>) => Harness, newEvents: () => E, directory: () => string) {
  const harnesses: Harness[] = []
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()))
  })
  function harnessFor(config: Record<string, unknown> = {}): Harness {
    const harness = make(config)
    harnesses.push(harness)
    return harness
  }
  let agents = 0
  function open(options: OpenOptions = {}): Opened<E> {
    const harness = options.harness ?? harnessFor(options.config)
    const events = newEvents()
    const agent: HarnessAgent = { id: `agent-${++agents}`, name: `agent-${agents}`, directory: directory(), ...options.agent }
    return { harness, events, session: harness.open(agent, events), agent }
  }
  return { harnessFor, open }
}

export interface SessionScenarios<E extends RecordedEvents & { streamedText: string }, Reply> {
  /** what runs the agent's turns and stays up between them, as the test names call it: "claude", "codex app-server" */
  process: string
  open(options?: OpenOptions): Opened<E>
  stub: { reply(...replies: Reply[]): void; readonly turns: ReadonlyArray<{ cancelled: boolean }> }
  /** the stub's text reply; `delayMs` between chunks of `chunkSize` makes it slow */
  text(body: string, options?: { chunkSize?: number; delayMs?: number }): Reply
  /** a tool call that writes a file in the agent's directory: the stub's reply, and the tool and input it asks with */
  write: { tool: string; reply(name: string, content: string): Reply; input(name: string, content: string): unknown }
  /** the agent's directory */
  directory(): string
  /** the texts of the user's messages in model request `n` (0-based) */
  userTexts(n: number): string[]
  /** everything the model was sent in request `n` (0-based) */
  sent(n: number): string
  /** the turn end of a process killed mid-turn */
  killed: { status: "error"; error: unknown }
  /** more checks that process `pid` resumed the conversation `resume` */
  checkResumed?(pid: number, resume: HarnessResume): void
}

/** Declares the scenarios both harnesses pass alike, in the calling describe block. */
export function sessionScenarios<E extends RecordedEvents & { streamedText: string }, Reply>(s: SessionScenarios<E, Reply>): void {
  test("a second prompt continues the same conversation, in the same process", async () => {
    s.stub.reply(s.text("The first answer."), s.text("The second answer."))
    const { events, session } = s.open()
    await session.prompt({ text: "first question" })
    await events.turn(1)
    await session.prompt({ text: "second question" })
    await events.turn(2)
    expect(events.started).toHaveLength(1)
    expect(events.resumes).toHaveLength(1)
    expect(s.userTexts(1)).toEqual(expect.arrayContaining(["first question", "second question"]))
    expect(s.sent(1)).toContain("The first answer.")
  })

  test(`abort in the middle of a slow reply ends the turn, the ${s.process} stays, and the next prompt works`, async () => {
    s.stub.reply(s.text("x".repeat(400), { chunkSize: 4, delayMs: 40 }), s.text("After the abort."))
    const { events, session } = s.open()
    await session.prompt({ text: "slow please" })
    await waitFor("the reply to stream", () => events.streamedText.length > 0)
    await session.abort()
    expect(events.turns).toEqual([{ status: "idle", aborted: true }])
    await waitFor("the model request to be cancelled", () => s.stub.turns[0]!.cancelled)
    const pid = events.started[0]!
    expect(isAlive(pid)).toBe(true)
    await session.prompt({ text: "and now?" })
    expect(await events.turn(2)).toEqual({ status: "idle" })
    expect(events.streamedText).toContain("After the abort.")
    expect(events.started).toEqual([pid])
  })

  test("abort while a permission waits withdraws the request and ends the turn", async () => {
    s.stub.reply(s.write.reply("never.txt", "x\n"))
    const { events, session } = s.open()
    await session.prompt({ text: "write" })
    const ask = await events.ask(1)
    await session.abort()
    expect(events.withdrawn).toEqual([ask.nativeId])
    expect(events.turns).toEqual([{ status: "idle", aborted: true }])
    // A late answer to the withdrawn request is harmless.
    await session.answer(ask.nativeId, { decision: "allow" })
    expect(existsSync(join(s.directory(), "never.txt"))).toBe(false)
  })

  test("abort without a turn does nothing", async () => {
    const { events, session } = s.open()
    await session.abort()
    expect(events.started).toEqual([])
    expect(events.turns).toEqual([])
  })

  test(`a ${s.process} killed while it asks leaves the request to the agents layer: not withdrawn, named by its input to match when asked again`, async () => {
    s.stub.reply(s.write.reply("later.txt", "later\n"), s.write.reply("later.txt", "later\n"), s.text("Wrote it."))
    const { events, session } = s.open()
    await session.prompt({ text: "write later.txt" })
    const ask = await events.ask(1)
    expect(ask).toMatchObject({ tool: s.write.tool, input: s.write.input("later.txt", "later\n") })
    process.kill(events.started[0]!, "SIGKILL")
    expect(await events.turn(1)).toEqual(s.killed)
    expect(events.withdrawn).toEqual([])
    // An answer to the dead process's request goes nowhere.
    await session.answer(ask.nativeId, { decision: "allow" })

    await session.prompt({ text: "go on" })
    const again = await events.ask(2)
    expect(again).toMatchObject({ tool: s.write.tool, input: ask.input })
    expect(again.nativeId).not.toBe(ask.nativeId)
    await session.answer(again.nativeId, { decision: "allow" })
    expect(await events.turn(2)).toEqual({ status: "idle" })
    expect(readFileSync(join(s.directory(), "later.txt"), "utf8")).toBe("later\n")
  })

  test(`an idle ${s.process} stops after the idle timeout, and the next prompt starts another that resumes the conversation`, async () => {
    s.stub.reply(s.text("Before the nap."), s.text("After the nap."))
    const { events, session } = s.open({ config: { idleTimeoutMs: 300 } })
    await session.prompt({ text: "first" })
    await events.turn(1)
    const pid = events.started[0]!
    await waitFor(`the idle ${s.process} to exit`, () => events.exited.includes(pid))
    expect(isAlive(pid)).toBe(false)
    expect(events.crashes).toEqual([])

    await session.prompt({ text: "second" })
    expect(await events.turn(2)).toEqual({ status: "idle" })
    expect(events.started).toHaveLength(2)
    s.checkResumed?.(events.started[1]!, events.resumes[0]!)
    expect(s.sent(1)).toContain("Before the nap.")
  })

  test("a new Harness (as after a daemon restart) opened with the saved resume continues the conversation", async () => {
    s.stub.reply(s.text("Noted: the code is 4711."), s.text("The code was 4711."))
    const first = s.open()
    await first.session.prompt({ text: "the code is 4711" })
    await first.events.turn(1)
    const resume = first.events.resumes[0]!
    await first.harness.stop()
    expect(isAlive(first.events.started[0]!)).toBe(false)

    const second = s.open({ agent: { id: first.agent.id, resume } })
    await second.session.prompt({ text: "what was the code?" })
    expect(await second.events.turn(1)).toEqual({ status: "idle" })
    expect(second.events.resumes).toEqual([])
    s.checkResumed?.(second.events.started[0]!, resume)
    expect(s.sent(1)).toContain("Noted: the code is 4711.")
  })
}

/** check() names `setting` (a bad number of milliseconds) with the fix that unsets it, and open() refuses with the same message. */
export async function expectBadSetting(harness: Harness, setting: string, directory: string, events: RecordedEvents): Promise<void> {
  const problem = `${setting} in config.json must be a number of milliseconds`
  expect((await harness.check()).problems).toEqual([{ problem, fix: `iterate config unset ${setting}` }])
  expect(() => harness.open({ id: "a", name: "a", directory }, events)).toThrow(new HarnessUnavailableError(problem))
}

/**
 * `harness` (of a daemon started after the one that left `orphan` behind) stops `orphan`, and leaves
 * alone both a plain process and `stranger`, a look-alike that is not its own; both are killed after.
 */
export async function expectOnlyOrphanStopped(harness: Harness, orphan: number, stranger: Subprocess): Promise<void> {
  const sleeper = Bun.spawn(["sleep", "60"])
  try {
    expect(await harness.stopOrphan(sleeper.pid)).toBe(false)
    expect(await harness.stopOrphan(stranger.pid)).toBe(false)
    expect(isAlive(sleeper.pid) && isAlive(stranger.pid)).toBe(true)
    expect(await harness.stopOrphan(orphan)).toBe(true)
    await waitFor("the orphan to be gone", () => !isAlive(orphan))
  } finally {
    sleeper.kill()
    stranger.kill()
  }
}
