// `iterate config` through the compiled binary on a user's hand-written config.json (the published
// JSON Schema that `$schema` points editors at: test/unit/config/schema.test.ts).
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, expect, test } from "vitest"
import { SCHEMA_URL } from "../../../src/config/schema.ts"
import { writeConfig } from "../../support/agent-sandbox.ts"
import { Sandbox } from "../../support/sandbox.ts"

let sandbox: Sandbox
afterEach(() => sandbox.close())

const configFile = () => join(sandbox.env.XDG_CONFIG_HOME!, "iterate", "config.json")

const handWritten = `// my iterate settings
{
  // built from source
  "harnesses": { "opencode": { "binary": "/opt/opencode/bin/opencode" } },
  "theme": "dark", // not iterate's: kept
}
`

test("set, get and unset change only their key: comments, order and unknown keys stay", async () => {
  sandbox = new Sandbox()
  writeConfig(sandbox, handWritten)
  const set = await sandbox.run(["config", "set", "harnesses.claude.binary", "/usr/local/bin/claude"])
  expect(set.code, set.stderr).toBe(0)
  expect(readFileSync(configFile(), "utf8")).toBe(
    handWritten.replace('binary": "/opt/opencode/bin/opencode" } }', 'binary": "/opt/opencode/bin/opencode" }, "claude": { "binary": "/usr/local/bin/claude" } }'),
  )
  expect((await sandbox.run(["config", "get", "harnesses.claude.binary"])).stdout).toBe("/usr/local/bin/claude\n")

  expect((await sandbox.run(["config", "set", "web.roots", '["/home/me/src"]'])).code).toBe(0)
  expect(JSON.parse((await sandbox.run(["config", "get", "web.roots"])).stdout)).toEqual(["/home/me/src"])
  expect((await sandbox.run(["config", "list"])).stdout).toBe(
    [
      "harnesses.opencode.binary=/opt/opencode/bin/opencode",
      "harnesses.claude.binary=/usr/local/bin/claude",
      "theme=dark",
      'web.roots=["/home/me/src"]',
      "",
    ].join("\n"),
  )

  for (const key of ["harnesses.claude.binary", "web.roots"]) expect((await sandbox.run(["config", "unset", key])).code).toBe(0)
  expect(readFileSync(configFile(), "utf8")).toBe(handWritten)

  const missing = await sandbox.run(["config", "get", "harnesses.claude.binary"])
  expect([missing.code, missing.stdout, missing.stderr]).toEqual([1, "", "iterate: harnesses.claude.binary is not set\n"])
})

test("a value the schema refuses is one line and exit 2, and the file is left as it was", async () => {
  sandbox = new Sandbox()
  writeConfig(sandbox, handWritten)
  const cases: [string, string, string][] = [
    ["harnesses.opencode.binary", "opencode", "harnesses.opencode.binary must be an absolute path"],
    ["store", "mysql://db/iterate", "store must be a postgres:// URL"],
    ["web.roots", "/home/me/src", "web.roots must be an array"],
    ["web.roots", '["/a", 3]', "web.roots[1] must be a string"],
    ["harnesses", "none", "harnesses must be an object"],
  ]
  for (const [key, value, message] of cases) {
    const refused = await sandbox.run(["config", "set", key, value])
    expect([refused.code, refused.stderr], `${key}=${value}`).toEqual([2, `iterate: ${message}\n`])
  }
  expect(readFileSync(configFile(), "utf8")).toBe(handWritten)
  const malformed = await sandbox.run(["config", "get", "a..b"])
  expect(malformed.code).toBe(2)
})

test("a new config.json is private and names its schema; unknown keys are set with a note", async () => {
  sandbox = new Sandbox()
  const set = await sandbox.run(["config", "set", "theme", "dark"])
  expect(set.code).toBe(0)
  expect(set.stderr).toContain("theme is not a setting iterate knows; it was set all the same")
  expect(JSON.parse(readFileSync(configFile(), "utf8"))).toEqual({ $schema: SCHEMA_URL, theme: "dark" })
  expect(statSync(configFile()).mode & 0o777).toBe(0o600)
  expect((await sandbox.run(["config", "path"])).stdout).toBe(configFile() + "\n")
  // A file the user made more open keeps its mode across edits.
  chmodSync(configFile(), 0o644)
  await sandbox.run(["config", "set", "store", "postgres://db/iterate"])
  expect(statSync(configFile()).mode & 0o777).toBe(0o644)
})

test("config edit runs $EDITOR on the file and checks what it saved", async () => {
  sandbox = new Sandbox()
  const editor = join(sandbox.dir, "editor.sh")
  writeFileSync(editor, `#!/bin/sh\nprintf '{ "web": { "roots": %s } }\\n' "$ROOTS" > "$1"\n`)
  chmodSync(editor, 0o755)
  const good = await sandbox.run(["config", "edit"], { env: { EDITOR: editor, ROOTS: '["/src"]' } })
  expect(good.code, good.stderr).toBe(0)
  expect(JSON.parse((await sandbox.run(["config", "get", "web.roots"])).stdout)).toEqual(["/src"])
  const bad = await sandbox.run(["config", "edit"], { env: { VISUAL: editor, ROOTS: '"/src"' } })
  expect(bad.code).toBe(2)
  expect(bad.stderr).toBe(`iterate: ${configFile()}: web.roots must be an array; run iterate config edit again to fix it\n`)
})

test("the daemon checks config.json with the same schema and names the bad key", async () => {
  sandbox = new Sandbox({ PATH: "/usr/bin:/bin" })
  writeConfig(sandbox, '{ "harnesses": { "opencode": { "binary": "bin/opencode" } } }')
  const [opencode] = JSON.parse((await sandbox.run(["harnesses", "--json"])).stdout)
  expect(opencode.problems).toEqual([
    { problem: `${configFile()}: harnesses.opencode.binary must be an absolute path (fix it with: iterate config edit)`, fix: "iterate config edit && iterate server restart" },
  ])
  await sandbox.run(["server", "stop"])
})
