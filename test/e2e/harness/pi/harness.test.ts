// The Pi harness around its sessions: a runtime, check(), attach, orphans, and the compiled iterate
// binary acting as the runtime (BUN_BE_BUN=1), all with the real pi (finding pi:
// test/unit/harness/pi/binary.test.ts).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, describe, expect, test } from "vitest"
import type { Harness } from "../../../../src/harness/harness.ts"
import { HarnessUnavailableError } from "../../../../src/harness/harness.ts"
import { INSTALL_COMMAND } from "../../../../src/harness/pi/binary.ts"
import { createPiHarness } from "../../../../src/harness/pi/index.ts"
import { type StubReply, text, toolCall, useLlmStub } from "../../../support/llm-stub.ts"
import { PiSessionEvents } from "../../../support/pi-harness.ts"
import { PI_STUB_MODEL, testPiCli, usePiProject } from "../../../support/pi-project.ts"
import { BINARY } from "../../../support/sandbox.ts"
import { isAlive, waitFor } from "../../../support/wait.ts"

const stub = useLlmStub()
const project = usePiProject(stub)
const scratch = mkdtempSync(join(tmpdir(), "iterate-pi-bin-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe("Pi harness", { timeout: 60_000 }, () => {
  const harnesses: Harness[] = []
  afterEach(async () => {
    await Promise.all(harnesses.splice(0).map((h) => h.stop()))
  })
  function harness(config: Record<string, unknown> = {}, env: Record<string, string | undefined> = {}) {
    const context = project.context(config)
    const made = createPiHarness({ ...context, env: { ...context.env, ...env } })
    harnesses.push(made)
    return made
  }

  test("check() finds pi, its version, what runs it and the stub's provider", async () => {
    expect(await harness().check()).toEqual({
      name: "pi",
      available: true,
      binary: testPiCli(),
      version: "0.73.1",
      runtime: `bun ${Bun.version} (iterate's own)`,
      problems: [],
    })
  })

  test("check() says what is missing, each with its fix", async () => {
    const missing = await harness({ binary: undefined }, { PATH: join(scratch, "nowhere") }).check()
    expect(missing).toMatchObject({ available: false, problems: [{ problem: "pi is not installed (not found on PATH)", fix: INSTALL_COMMAND }] })
    const elsewhere = await harness({ binary: join(scratch, "gone", "pi") }).check()
    expect(elsewhere.problems).toEqual([
      { problem: `harnesses.pi.binary is set to ${join(scratch, "gone", "pi")}, which is neither pi's CLI script nor an executable`, fix: "iterate config unset harnesses.pi.binary" },
    ])

    const noProvider = await harness({}, { PI_CODING_AGENT_DIR: join(scratch, "empty-pi") }).check()
    expect(noProvider.available).toBe(true)
    // Pi's own TUI logs in; the configured pi is what to start.
    expect(noProvider.problems).toEqual([
      { problem: expect.stringMatching(new RegExp(`^pi has no model provider configured: .*${join(scratch, "empty-pi", "models.json")}`)), fix: `${testPiCli()}   # then type /login` },
    ])
    const onPath = join(scratch, "login-bin")
    mkdirSync(onPath)
    symlinkSync(testPiCli(), join(onPath, "pi"))
    const fromPath = await harness({ binary: undefined }, { PATH: onPath, PI_CODING_AGENT_DIR: join(scratch, "empty-pi") }).check()
    expect(fromPath.problems).toEqual([{ problem: expect.stringContaining("no model provider"), fix: "pi   # then type /login" }])
    const withKey = await harness({}, { PI_CODING_AGENT_DIR: join(scratch, "empty-pi"), ANTHROPIC_API_KEY: "sk-test" }).check()
    expect(withKey.problems).toEqual([])

    const badRuntime = await harness({ runtime: join(scratch, "no-runtime") }).check()
    expect(badRuntime).toMatchObject({
      available: false,
      problems: [{ problem: `harnesses.pi.runtime is set to ${join(scratch, "no-runtime")}, which is not an executable here`, fix: "iterate config unset harnesses.pi.runtime" }],
    })

    const standalone = join(scratch, "standalone-pi")
    writeFileSync(standalone, "#!/bin/sh\necho 9.9.9\n")
    chmodSync(standalone, 0o755)
    expect(await harness({ binary: standalone }).check()).toMatchObject({ available: true, binary: standalone, version: "9.9.9", runtime: undefined })

    const badConfig = await harness({ idleTimeoutMs: "soon" }).check()
    expect(badConfig.problems).toEqual([{ problem: "harnesses.pi.idleTimeoutMs must be a positive number of milliseconds", fix: "iterate config unset harnesses.pi.idleTimeoutMs" }])
  })

  test("open() without pi throws HarnessUnavailableError; models must be provider/model", () => {
    const pi = harness({ binary: undefined }, { PATH: join(scratch, "nowhere") })
    expect(() => pi.open({ id: "a", name: "a", directory: project.directory }, new PiSessionEvents())).toThrow(HarnessUnavailableError)
    expect(pi.modelProblem("stub/stub-model")).toBeUndefined()
    expect(pi.modelProblem("sonnet")).toMatch(/provider\/model/)
  })

  /** A session of `pi` that has had one turn on `replies`, every tool call allowed. */
  async function afterOneTurn(pi: Harness, id: string, ...replies: StubReply[]) {
    const events = new PiSessionEvents()
    const session = pi.open({ id, name: id, directory: project.directory, model: PI_STUB_MODEL }, events)
    events.onAsk = (ask) => void session.answer(ask.nativeId, { decision: "allow" })
    stub.reply(...replies)
    await session.prompt({ text: `this is ${id}` })
    expect(await events.turn(1)).toEqual({ status: "idle" })
    return { session, events }
  }

  test("the compiled iterate binary runs pi as its runtime, and what pi runs does not inherit BUN_BE_BUN", async () => {
    const { events } = await afterOneTurn(harness({ runtime: BINARY }), "compiled", toolCall("bash", { command: 'echo "be=${BUN_BE_BUN:-unset}"' }), text("Checked."))
    const result = await events.seen("tool_execution_end")
    expect(JSON.stringify(result.result)).toContain("be=unset")
    expect(readCmdline(events.started[0]!)[0]).toBe(BINARY)
  })

  test("attach gives the command that opens the session in pi's own CLI", async () => {
    const { session, events } = await afterOneTurn(harness(), "attached", text("Something to look at."))
    const attach = await session.attach()
    const sessionFile = events.resumes[0]!.sessionFile!
    expect(attach.argv.slice(-2)).toEqual(["--session", sessionFile])
    expect(attach.cwd).toBe(project.directory)
    expect(attach.env).toEqual({ BUN_BE_BUN: "1" })
    // The idle pi made way for the TUI, which gets the file to itself.
    await waitFor("the rpc pi to stop", () => events.exited.length === 1)
    expect(events.crashes).toEqual([])

    // The same runtime and pi export that session: the TUI would open this conversation.
    const html = join(scratch, "attached.html")
    const exported = Bun.spawnSync([...attach.argv.slice(0, -2), "--export", sessionFile, html], { cwd: attach.cwd, env: { ...project.context().env, ...attach.env } })
    expect(exported.stdout.toString()).toContain(`Exported to: ${html}`)
    const data = /<script id="session-data" type="application\/json">([^<]+)</.exec(await Bun.file(html).text())![1]!
    expect(Buffer.from(data, "base64").toString()).toContain("Something to look at.")
  })

  test("stopOrphan stops a pi this harness started, and nothing else", async () => {
    const { events } = await afterOneTurn(harness(), "orphan", text("Still here."))
    const pid = events.started[0]!

    const sleeper = Bun.spawn(["sleep", "30"])
    const nextDaemon = harness()
    expect(await nextDaemon.stopOrphan(sleeper.pid)).toBe(false)
    expect(isAlive(sleeper.pid)).toBe(true)
    sleeper.kill()
    expect(await nextDaemon.stopOrphan(pid)).toBe(true)
    expect(isAlive(pid)).toBe(false)
  })
})

function readCmdline(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean)
}
