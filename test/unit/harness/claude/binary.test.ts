// Finding Claude Code (also where npm ran no postinstall) and the models it takes: files and names
// only. check(), sessions and orphans run the real claude: test/e2e/harness/claude/harness.test.ts.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, describe, expect, test } from "vitest"
import { ClaudeNotFoundError, findClaudeBinary } from "../../../../src/harness/claude/binary.ts"
import { modelProblem } from "../../../../src/harness/claude/model.ts"
import { testClaudeBinary } from "../../../support/claude-project.ts"
import { folderWith } from "../../../support/path-folder.ts"

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
const pathWith = (name: string, target: string) => folderWith(root, name, "claude", target)

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

describe("models", () => {
  test.each(["sonnet", "opus", "haiku", "claude-sonnet-4-5", "anthropic/claude-sonnet-4-5", "us.anthropic.claude-sonnet-4-5-v1:0"])("%s is fine", (model) => {
    expect(modelProblem(model)).toBeUndefined()
  })

  test("another provider's model, or a name claude does not know, is refused", () => {
    expect(modelProblem("openai/gpt-5")).toMatch(/Anthropic's models only, not openai's/)
    expect(modelProblem("gpt-5")).toMatch(/does not know the model "gpt-5"/)
  })
})
