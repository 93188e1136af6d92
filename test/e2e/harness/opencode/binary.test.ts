// opencode's version, asked of the binary itself (finding it: test/unit/harness/opencode/binary.test.ts).
import { createRequire } from "node:module"
import { expect, test } from "vitest"
import { opencodeVersion } from "../../../../src/harness/opencode/binary.ts"
import { testOpencodeBinary } from "../../../support/opencode-project.ts"

test("opencodeVersion asks the binary", async () => {
  const { version } = createRequire(import.meta.url)("opencode-ai/package.json")
  expect(await opencodeVersion(testOpencodeBinary())).toBe(version)
})
