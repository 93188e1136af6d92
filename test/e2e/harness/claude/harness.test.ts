// The Claude Code harness around its sessions: finding claude (also where npm ran no postinstall),
// check(), the models it takes, and stopping the orphans of a killed daemon.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, afterEach, describe, expect, test } from "vitest"
import { ClaudeNotFoundError, findClaudeBinary } from "../../../../src/harness/claude/binary.ts"
import { createClaudeHarness } from "../../../../src/harness/claude/index.ts"
import { modelProblem } from "../../../../src/harness/claude/model.ts"
import { CLAUDE_FLAGS } from "../../../../src/harness/claude/session.ts"
import { type Harness, HarnessUnavailableError } from "../../../../src/harness/harness.ts"
import { text, useAnthropicStub } from "../../../support/anthropic-stub.ts"
import { ClaudeEvents, testClaudeBinary, useClaudeProject } from "../../../support/claude-project.ts"
import { isAlive, waitFor } from "../../../support/wait.ts"

const stub = useAnthropicStub()
const project = useClaudeProject(stub)
const root = mkdtempSync(join(tmpdir(), "iterate-claude-binary-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const real = testClaudeBinary()

function catchError(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error("it did not throw")
}

/** A folder for PATH holding a `claude` link to `target`. */
function pathWith(name: string, target: string): string {
  const dir = join(root, name)
  mkdirSync(dir, { recursive: true })
  symlinkSync(target, join(dir, "claude"))
  return dir
}

/** The layout `npm i -g @anthropic-ai/claude-code` leaves when no postinstall runs; with or without the platform package. */
function npmGlobal(name: string, withPlatform: boolean) {
  const pkg = dirname(createRequire(import.meta.url).resolve("@anthropic-ai/claude-code/package.json"))
  const nodeModules = join(root, name, "lib", "node_modules", "@anthropic-ai")
  const placeholder = join(nodeModules, "claude-code", "bin", "claude.exe")
  mkdirSync(dirname(placeholder), { recursive: true })
  copyFileSync(join(pkg, "bin", "claude.exe"), placeholder)
  chmodSync(placeholder, 0o755) // as npm leaves a package's bin
  const platform = join(nodeModules, `claude-code-${process.platform}-${process.arch}`, "claude")
  if (withPlatform) {
    mkdirSync(dirname(platform))
    symlinkSync(real, platform)
  }
  return { bin: pathWith(join(name, "bin"), placeholder), platform }
}

describe("findClaudeBinary", () => {
  test("a configured binary wins over PATH; one that is no executable is named", () => {
    expect(findClaudeBinary(real, "")).toBe(real)
    const configured = catchError(() => findClaudeBinary(join(root, "nope"), ""))
    expect(configured).toBeInstanceOf(ClaudeNotFoundError)
    expect(configured).toMatchObject({
      message: `harnesses.claude.binary is set to ${join(root, "nope")}, which is not an executable file`,
      problem: `harnesses.claude.binary is set to ${join(root, "nope")}, which is not an executable file`,
      fix: "iterate config unset harnesses.claude.binary",
    })
  })

  test("otherwise claude on PATH, as the native installer puts it there", () => {
    const dir = pathWith("native", real)
    expect(findClaudeBinary(undefined, dir)).toBe(join(dir, "claude"))
  })

  test("the npm package's placeholder on PATH leads to its platform package", () => {
    const { bin, platform } = npmGlobal("npm", true)
    expect(findClaudeBinary(undefined, bin)).toBe(platform)
  })

  test("a placeholder without its platform package, or no claude at all, says how to install it: the problem, the command, and both in one line", () => {
    const { bin } = npmGlobal("npm-broken", false)
    expect(catchError(() => findClaudeBinary(undefined, bin))).toMatchObject({
      problem: `${join(bin, "claude")} is the npm package's placeholder and its platform package is missing`,
      fix: "npm i -g @anthropic-ai/claude-code",
      message: `${join(bin, "claude")} is the npm package's placeholder and its platform package is missing: reinstall with \`npm i -g @anthropic-ai/claude-code\``,
    })
    expect(catchError(() => findClaudeBinary(undefined, join(root, "empty")))).toMatchObject({
      problem: "Claude Code is not installed (no claude on PATH)",
      fix: "npm i -g @anthropic-ai/claude-code",
      message: "Claude Code is not installed (no claude on PATH): install it with `npm i -g @anthropic-ai/claude-code` (or see https://code.claude.com/docs/en/setup)",
    })
  })
})

describe("Claude Code check", { timeout: 30_000 }, () => {
  test("ready: the binary, its version, a provider in the environment", async () => {
    const check = await createClaudeHarness(project.context()).check()
    expect(check).toEqual({ name: "claude", available: true, binary: real, version: "2.1.332", problems: [] })
  })

  test("no claude: the install command", async () => {
    const context = { ...project.context(), config: {}, env: { ...project.env, PATH: join(root, "empty") } }
    expect(await createClaudeHarness(context).check()).toEqual({
      name: "claude",
      available: false,
      problems: [{ problem: "Claude Code is not installed (no claude on PATH)", fix: "npm i -g @anthropic-ai/claude-code" }],
    })
  })

  test("no provider in the environment and no Claude login: the login command of the claude it runs", async () => {
    const { ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, ...env } = project.env
    const check = await createClaudeHarness({ ...project.context(), env }).check()
    expect(check).toMatchObject({ available: false, version: "2.1.332" })
    expect(check.problems).toEqual([{ problem: expect.stringContaining("no model provider"), fix: `${real} auth login` }])
    const onPath = await createClaudeHarness({ ...project.context(), config: {}, env: { ...env, PATH: pathWith("login", real) } }).check()
    expect(onPath.problems).toEqual([{ problem: expect.not.stringContaining("claude auth login"), fix: "claude auth login" }])
  })

  test("a bad config section is a problem whose fix unsets the setting, and open() refuses with the same message", async () => {
    const harness = createClaudeHarness(project.context({ idleTimeoutMs: "soon" }))
    expect((await harness.check()).problems).toEqual([
      { problem: "harnesses.claude.idleTimeoutMs in config.json must be a number of milliseconds", fix: "iterate config unset harnesses.claude.idleTimeoutMs" },
    ])
    expect(() => harness.open({ id: "a", name: "a", directory: project.directory }, new ClaudeEvents())).toThrow(
      new HarnessUnavailableError("harnesses.claude.idleTimeoutMs in config.json must be a number of milliseconds"),
    )
  })
})

describe("models", () => {
  test.each(["sonnet", "opus", "haiku", "claude-sonnet-4-5", "anthropic/claude-sonnet-4-5", "us.anthropic.claude-sonnet-4-5-v1:0"])("%s is fine", (model) => {
    expect(modelProblem(model)).toBeUndefined()
  })

  test("another provider's model, or a name claude does not know, is refused", () => {
    expect(modelProblem("openai/gpt-5")).toMatch(/Anthropic's models only, not openai's/)
    expect(modelProblem("gpt-5")).toMatch(/does not know the model "gpt-5"/)
  })
})

describe("orphans", { timeout: 60_000 }, () => {
  const harnesses: Harness[] = []
  afterEach(async () => void (await Promise.all(harnesses.splice(0).map((h) => h.stop()))))

  test("a claude a previous daemon started is stopped; anything else is left alone", async () => {
    stub.reply(text("hi"))
    const before = createClaudeHarness(project.context())
    harnesses.push(before)
    const events = new ClaudeEvents()
    await before.open({ id: "orphan", name: "orphan", directory: project.directory }, events).prompt({ text: "hi" })
    await events.turn(1)
    const pid = events.started[0]!

    const sleeper = Bun.spawn(["sleep", "60"])
    // The same claude with the same flags, but not one of ours.
    const stranger = Bun.spawn([real, ...CLAUDE_FLAGS], { cwd: project.directory, env: project.env, stdin: "pipe", stdout: "ignore", stderr: "ignore" })
    try {
      const after = createClaudeHarness(project.context())
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
