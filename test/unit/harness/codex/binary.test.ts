// Finding codex: the native binary behind npm's launcher script, one on PATH as Homebrew or Codex's
// installer put it, a configured one, or nothing (files only; the Codex harness with the real
// codex: test/e2e/harness/codex/harness.test.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, describe, expect, test } from "vitest"
import { CodexNotFoundError, findCodexBinary, INSTALL_COMMAND } from "../../../../src/harness/codex/binary.ts"
import { testCodexBinary } from "../../../support/codex-project.ts"
import { folderWith } from "../../../support/path-folder.ts"

const root = mkdtempSync(join(tmpdir(), "iterate-codex-binary-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const real = testCodexBinary()
const launcher = join(dirname(createRequire(import.meta.url).resolve("@openai/codex/package.json")), "bin", "codex.js")

/** A folder for PATH holding a `codex` link to `target`. */
const pathWith = (name: string, target: string) => folderWith(root, name, "codex", target)

describe("findCodexBinary", () => {
  test("a configured binary wins over PATH; one that is no executable is named", () => {
    expect(findCodexBinary(real, "")).toBe(real)
    expect(() => findCodexBinary(join(root, "nope"), "")).toThrow(
      new CodexNotFoundError(`harnesses.codex.binary is set to ${join(root, "nope")}, which is not an executable file`, "iterate config unset harnesses.codex.binary"),
    )
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
    const thrown = (path: string) => {
      try {
        findCodexBinary(undefined, path)
      } catch (error) {
        return error
      }
    }
    expect(thrown(bin)).toMatchObject({
      problem: `${join(bin, "codex")} is the npm package's launcher and its platform package is missing`,
      fix: "npm i -g @openai/codex@0.169.0",
      message: `${join(bin, "codex")} is the npm package's launcher and its platform package is missing: reinstall with \`npm i -g @openai/codex@0.169.0\``,
    })
    expect(thrown(join(root, "empty"))).toMatchObject({
      problem: "Codex is not installed (no codex on PATH)",
      fix: INSTALL_COMMAND,
      message: "Codex is not installed (no codex on PATH): install it with `npm i -g @openai/codex@0.169.0`",
    })
  })
})
