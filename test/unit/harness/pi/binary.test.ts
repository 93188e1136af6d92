// Finding pi: the npm package's CLI script, a standalone executable, or nothing (files only; the
// Pi harness with the real pi: test/e2e/harness/pi/harness.test.ts).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, test } from "vitest"
import { findPi, INSTALL_COMMAND } from "../../../../src/harness/pi/binary.ts"
import { testPiCli } from "../../../support/pi-project.ts"

const scratch = mkdtempSync(join(tmpdir(), "iterate-pi-bin-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe("finding pi", () => {
  test("pi on PATH that links to the npm package's CLI script is run as a script", () => {
    const bin = join(scratch, "npm-bin")
    mkdirSync(bin)
    symlinkSync(testPiCli(), join(bin, "pi"))
    expect(findPi(undefined, bin)).toEqual({ path: testPiCli(), script: true })
  })

  test("a standalone pi executable is run as it is; nothing on PATH says how to install it", () => {
    const bin = join(scratch, "native-bin")
    mkdirSync(bin)
    writeFileSync(join(bin, "pi"), "#!/bin/sh\necho 9.9.9\n")
    chmodSync(join(bin, "pi"), 0o755)
    expect(findPi(undefined, bin)).toEqual({ path: join(bin, "pi"), script: false })
    expect(() => findPi(undefined, join(scratch, "nowhere"))).toThrow(`pi is not installed (not found on PATH): install it with \`${INSTALL_COMMAND}\``)
    expect(() => findPi(join(scratch, "missing-pi"), bin)).toThrow(/harnesses\.pi\.binary is set to .*missing-pi, which is neither/)
  })
})
