// The environment every harness process starts from (src/harness/index.ts): the daemon's, without
// what the Bun it runs on added. Folders stand in for PATH entries: a `node` in each is enough for
// a lookup to find it.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { afterAll, expect, test } from "vitest"
import { harnessEnvironment } from "../../../src/harness/index.ts"

const root = mkdtempSync(join(tmpdir(), "iterate-harness-env-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A folder holding an executable `node`. */
function withNode(name: string): string {
  const folder = join(root, name)
  mkdirSync(folder, { recursive: true })
  writeFileSync(join(folder, "node"), "#!/bin/sh\n")
  chmodSync(join(folder, "node"), 0o755)
  return folder
}

const bunNode = withNode("bun-node-0-a7733435c")
const realNode = withNode("usr-bin")
const other = join(root, "tools")

test("the folder where `bun --bun` makes node run Bun leaves PATH when the machine has a Node of its own", () => {
  const env = harnessEnvironment({ PATH: [bunNode, other, realNode].join(delimiter), HOME: root, BUN_INSPECT: "ws://127.0.0.1:1/x" })
  expect(env).toEqual({ PATH: [other, realNode].join(delimiter), HOME: root })
  expect(Bun.which("node", { PATH: env.PATH! })).toBe(join(realNode, "node"))
})

test("Bun's node stays where there is no other; a PATH without it is left as it is", () => {
  expect(harnessEnvironment({ PATH: [bunNode, other].join(delimiter) }).PATH).toBe([bunNode, other].join(delimiter))
  expect(harnessEnvironment({ PATH: [other, realNode].join(delimiter) }).PATH).toBe([other, realNode].join(delimiter))
  expect(harnessEnvironment({ HOME: root })).toEqual({ HOME: root })
})
