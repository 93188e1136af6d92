import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, test } from "vitest"
import { OpencodeRuntimes } from "../../../src/harness/opencode/index.ts"
import { testOpencodeBinary } from "../../support/opencode-project.ts"

const root = mkdtempSync(join(tmpdir(), "iterate-runtimes-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe("OpencodeRuntimes", () => {
  test("one runtime per real directory, whatever path leads there", () => {
    mkdirSync(join(root, "a"))
    mkdirSync(join(root, "b"))
    symlinkSync(join(root, "a"), join(root, "link-to-a"))
    const runtimes = new OpencodeRuntimes({ binary: testOpencodeBinary(), logDir: join(root, "logs") })

    const a = runtimes.for(join(root, "a"))
    expect(runtimes.for(join(root, "b", "..", "a"))).toBe(a)
    expect(runtimes.for(join(root, "link-to-a"))).toBe(a)
    expect(runtimes.for(join(root, "b"))).not.toBe(a)
    expect(a.pid).toBeUndefined()
  })

  test("a directory that does not exist is refused at once", () => {
    const runtimes = new OpencodeRuntimes({ binary: testOpencodeBinary(), logDir: join(root, "logs") })
    expect(() => runtimes.for(join(root, "missing"))).toThrow(`working directory ${join(root, "missing")} does not exist`)
  })
})
