// Finding opencode: configured path, PATH, and opencode-ai's placeholder when its postinstall did not
// run. Files only: asking the binary its version is in test/e2e/harness/opencode/binary.test.ts.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, dirname, join } from "node:path"
import { afterAll, describe, expect, test } from "vitest"
import { findOpencodeBinary, OpencodeNotFoundError } from "../../../../src/harness/opencode/binary.ts"
import { testOpencodeBinary } from "../../../support/opencode-project.ts"
import { folderWith } from "../../../support/path-folder.ts"

const root = mkdtempSync(join(tmpdir(), "iterate-binary-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A folder for PATH holding an `opencode` link to `target`. */
const pathWith = (name: string, target: string) => folderWith(root, name, "opencode", target)

describe("findOpencodeBinary", () => {
  const real = testOpencodeBinary()

  test("a configured binary wins over PATH", () => {
    expect(findOpencodeBinary(real, "")).toBe(real)
  })

  test("a configured path that is not an executable file is named in the error", () => {
    expect(() => findOpencodeBinary(join(root, "nope"), "")).toThrow(
      `harnesses.opencode.binary is set to ${join(root, "nope")}, which is not an executable file`,
    )
    expect(() => findOpencodeBinary(root, "")).toThrow(OpencodeNotFoundError)
  })

  test("otherwise opencode on PATH", () => {
    const dir = pathWith("path", real)
    expect(findOpencodeBinary(undefined, dir)).toBe(join(dir, "opencode"))
  })

  test("no opencode anywhere says how to install it, as the problem and the command that fixes it", () => {
    expect(() => findOpencodeBinary(undefined, join(root, "empty"))).toThrow(
      "opencode is not installed (not found on PATH): install it with `npm i -g opencode-ai`",
    )
    const error = (() => {
      try {
        findOpencodeBinary(undefined, join(root, "empty"))
      } catch (e) {
        return e as OpencodeNotFoundError
      }
    })()!
    expect({ problem: error.problem, fix: error.fix }).toEqual({
      problem: "opencode is not installed (not found on PATH)",
      fix: "npm i -g opencode-ai",
    })
  })

  test("opencode-ai's placeholder on PATH leads to the platform package next to it", () => {
    // The layout `npm i -g opencode-ai --ignore-scripts` leaves: bin/opencode.exe is still the script.
    const nodeModules = join(root, "global", "node_modules")
    const placeholder = join(nodeModules, "opencode-ai", "bin", "opencode.exe")
    mkdirSync(dirname(placeholder), { recursive: true })
    writeFileSync(placeholder, `echo "Error: opencode-ai's postinstall script was not run." >&2\nexit 1\n`)
    chmodSync(placeholder, 0o755)
    const platformPackage = basename(dirname(dirname(real)))
    mkdirSync(join(nodeModules, platformPackage, "bin"), { recursive: true })
    symlinkSync(real, join(nodeModules, platformPackage, "bin", "opencode"))

    expect(findOpencodeBinary(undefined, pathWith("placeholder", placeholder))).toBe(
      join(nodeModules, platformPackage, "bin", "opencode"),
    )
  })

  test("the placeholder without its platform package says to reinstall", () => {
    const placeholder = join(root, "lonely", "node_modules", "opencode-ai", "bin", "opencode.exe")
    mkdirSync(dirname(placeholder), { recursive: true })
    writeFileSync(placeholder, "echo placeholder\n")
    chmodSync(placeholder, 0o755)
    expect(() => findOpencodeBinary(undefined, pathWith("lonely-path", placeholder))).toThrow(
      "reinstall with `npm i -g opencode-ai`",
    )
  })
})
