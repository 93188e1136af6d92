// The Codex harness around its sessions: finding codex (the native binary behind npm's launcher
// too), check(), the models it takes, and stopping the app-server a killed daemon left.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, afterEach, describe, expect, test } from "vitest"
import { CodexNotFoundError, findCodexBinary, INSTALL_COMMAND } from "../../../../src/harness/codex/binary.ts"
import { createCodexHarness } from "../../../../src/harness/codex/index.ts"
import { type Harness, HarnessUnavailableError } from "../../../../src/harness/harness.ts"
import { CodexEvents, testCodexBinary, useCodexProject } from "../../../support/codex-project.ts"
import { text, useResponsesStub } from "../../../support/responses-stub.ts"
import { isAlive, waitFor } from "../../../support/wait.ts"

const stub = useResponsesStub()
const project = useCodexProject(stub)
const root = mkdtempSync(join(tmpdir(), "iterate-codex-binary-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const real = testCodexBinary()
const launcher = join(dirname(createRequire(import.meta.url).resolve("@openai/codex/package.json")), "bin", "codex.js")

function catchError(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error("it did not throw")
}

/** A folder for PATH holding a `codex` link to `target`. */
function pathWith(name: string, target: string): string {
  const dir = join(root, name)
  mkdirSync(dir, { recursive: true })
  symlinkSync(target, join(dir, "codex"))
  return dir
}

describe("findCodexBinary", () => {
  test("a configured binary wins over PATH; one that is no executable is named", () => {
    expect(findCodexBinary(real, "")).toBe(real)
    expect(catchError(() => findCodexBinary(join(root, "nope"), ""))).toMatchObject({
      message: `harnesses.codex.binary is set to ${join(root, "nope")}, which is not an executable file`,
      fix: "iterate config unset harnesses.codex.binary",
    })
  })

  test("codex on PATH as Homebrew or Codex's installer put it there is run as it is", () => {
    const dir = pathWith("native", real)
    expect(findCodexBinary(undefined, dir)).toBe(join(dir, "codex"))
  })

  test("npm's launcher script, on PATH or configured, leads to the native binary of its platform package", () => {
    expect(findCodexBinary(undefined, pathWith("npm", launcher))).toBe(real)
    expect(findCodexBinary(launcher, "")).toBe(real)
  })

  test("a launcher without its platform package, or no codex at all, says how to install it: the problem, the command, and both in one line", () => {
    const orphan = join(root, "lib", "node_modules", "@openai", "codex", "bin", "codex.js")
    mkdirSync(dirname(orphan), { recursive: true })
    writeFileSync(orphan, "#!/usr/bin/env node\n", { mode: 0o755 })
    const bin = pathWith("broken", orphan)
    expect(catchError(() => findCodexBinary(undefined, bin))).toMatchObject({
      problem: `${join(bin, "codex")} is the npm package's launcher and its platform package is missing`,
      fix: "npm i -g @openai/codex@0.169.0",
      message: `${join(bin, "codex")} is the npm package's launcher and its platform package is missing: reinstall with \`npm i -g @openai/codex@0.169.0\``,
    })
    const missing = catchError(() => findCodexBinary(undefined, join(root, "empty")))
    expect(missing).toBeInstanceOf(CodexNotFoundError)
    expect(missing).toMatchObject({
      problem: "Codex is not installed (no codex on PATH)",
      fix: INSTALL_COMMAND,
      message: "Codex is not installed (no codex on PATH): install it with `npm i -g @openai/codex@0.169.0`",
    })
  })
})

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
    const harness = createCodexHarness(project.context({ startTimeoutMs: "soon" }))
    expect((await harness.check()).problems).toEqual([
      { problem: "harnesses.codex.startTimeoutMs in config.json must be a number of milliseconds", fix: "iterate config unset harnesses.codex.startTimeoutMs" },
    ])
    expect(() => harness.open({ id: "a", name: "a", directory: project.directory }, new CodexEvents())).toThrow(
      new HarnessUnavailableError("harnesses.codex.startTimeoutMs in config.json must be a number of milliseconds"),
    )
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
  const harnesses: Harness[] = []
  afterEach(async () => void (await Promise.all(harnesses.splice(0).map((h) => h.stop()))))

  test("an app-server a previous daemon of the same data folder started is stopped; anything else is left alone", async () => {
    stub.reply(text("hi"))
    const before = createCodexHarness(project.context())
    harnesses.push(before)
    const events = new CodexEvents()
    await before.open({ id: "orphan", name: "orphan", directory: project.directory }, events).prompt({ text: "hi" })
    await events.turn(1)
    const pid = events.started[0]!

    const sleeper = Bun.spawn(["sleep", "60"])
    // An app-server of another daemon (another data folder) is not ours to stop.
    const stranger = Bun.spawn([real, "app-server"], { cwd: project.directory, env: { ...project.env, ITERATE_CODEX_SERVER: join(root, "elsewhere") }, stdin: "pipe", stdout: "ignore", stderr: "ignore" })
    try {
      const after = createCodexHarness(project.context())
      expect(await after.stopOrphan(sleeper.pid)).toBe(false)
      expect(await after.stopOrphan(stranger.pid)).toBe(false)
      expect(isAlive(sleeper.pid) && isAlive(stranger.pid)).toBe(true)
      expect(await after.stopOrphan(pid)).toBe(true)
      await waitFor("the orphan to be gone", () => !isAlive(pid))
    } finally {
      sleeper.kill()
      stranger.kill()
    }
  })
})
