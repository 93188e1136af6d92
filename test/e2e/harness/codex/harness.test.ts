// The Codex harness around its sessions, with the real codex: check(), the models it takes, and
// stopping the app-server a killed daemon left (finding codex: test/unit/harness/codex/binary.test.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, test } from "vitest"
import { INSTALL_COMMAND } from "../../../../src/harness/codex/binary.ts"
import { createCodexHarness } from "../../../../src/harness/codex/index.ts"
import { CodexEvents, testCodexBinary, useCodexProject } from "../../../support/codex-project.ts"
import { expectBadSetting, expectOnlyOrphanStopped, useHarnessSessions } from "../../../support/harness-scenarios.ts"
import { folderWith } from "../../../support/path-folder.ts"
import { text, useResponsesStub } from "../../../support/responses-stub.ts"

const stub = useResponsesStub()
const project = useCodexProject(stub)
const root = mkdtempSync(join(tmpdir(), "iterate-codex-binary-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const real = testCodexBinary()

/** A folder for PATH holding a `codex` link to `target`. */
const pathWith = (name: string, target: string) => folderWith(root, name, "codex", target)

describe("Codex check", { timeout: 30_000 }, () => {
  test("ready: the binary, its version, a provider of the user's own in config.toml", async () => {
    expect(await createCodexHarness(project.context()).check()).toEqual({ name: "codex", available: true, binary: real, version: "0.169.0", problems: [] })
  })

  test("no codex: the install command", async () => {
    const context = { ...project.context(), config: {}, env: { ...project.env, PATH: join(root, "empty") } }
    expect(await createCodexHarness(context).check()).toEqual({
      name: "codex",
      available: false,
      problems: [{ problem: "Codex is not installed (no codex on PATH)", fix: INSTALL_COMMAND }],
    })
  })

  test("no login, no API key and no provider of one's own: the login command of the codex it runs; an API key will do", async () => {
    const home = join(root, "no-provider")
    mkdirSync(home, { recursive: true })
    writeFileSync(join(home, "config.toml"), 'model = "gpt-5.5"\n')
    const env = { ...project.env, CODEX_HOME: home }
    const check = await createCodexHarness({ ...project.context(), env }).check()
    expect(check).toMatchObject({ available: true, version: "0.169.0" })
    expect(check.problems).toEqual([{ problem: expect.stringContaining(`Codex has no model provider: no Codex login in ${home}`), fix: `${real} login` }])
    const onPath = await createCodexHarness({ ...project.context(), config: {}, env: { ...env, PATH: pathWith("login", real) } }).check()
    expect(onPath.problems).toEqual([expect.objectContaining({ fix: "codex login" })])
    expect((await createCodexHarness({ ...project.context(), env: { ...env, OPENAI_API_KEY: "sk-stub" } }).check()).problems).toEqual([])
  })

  test("a config.toml that is no TOML is named", async () => {
    const home = join(root, "bad-toml")
    mkdirSync(home, { recursive: true })
    writeFileSync(join(home, "config.toml"), "model = \n")
    const check = await createCodexHarness({ ...project.context(), env: { ...project.env, CODEX_HOME: home } }).check()
    expect(check.problems).toEqual([{ problem: expect.stringContaining(`${join(home, "config.toml")} is not valid TOML`), fix: `$EDITOR ${join(home, "config.toml")}` }])
  })

  test("a bad config section is a problem whose fix unsets the setting, and open() refuses with the same message", async () => {
    await expectBadSetting(createCodexHarness(project.context({ startTimeoutMs: "soon" })), "harnesses.codex.startTimeoutMs", project.directory, new CodexEvents())
  })

  test("models: codex's own names; a name with spaces, or none, is refused", () => {
    const harness = createCodexHarness(project.context())
    expect(harness.modelProblem("gpt-5.5")).toBeUndefined()
    expect(harness.modelProblem("o3")).toBeUndefined()
    expect(harness.modelProblem("gpt 5")).toMatch(/does not know the model "gpt 5"/)
    expect(harness.modelProblem(" ")).toMatch(/does not know the model/)
  })
})

describe("orphans", { timeout: 60_000 }, () => {
  const { open } = useHarnessSessions((config) => createCodexHarness(project.context(config)), () => new CodexEvents(), () => project.directory)

  test("an app-server a previous daemon of the same data folder started is stopped; anything else is left alone", async () => {
    stub.reply(text("hi"))
    const { events, session } = open()
    await session.prompt({ text: "hi" })
    await events.turn(1)
    // An app-server of another daemon (another data folder) is not ours to stop.
    const stranger = Bun.spawn([real, "app-server"], { cwd: project.directory, env: { ...project.env, ITERATE_CODEX_SERVER: join(root, "elsewhere") }, stdin: "pipe", stdout: "ignore", stderr: "ignore" })
    await expectOnlyOrphanStopped(createCodexHarness(project.context()), events.started[0]!, stranger)
  })
})
