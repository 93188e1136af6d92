// Commands' work in process, writing to a captured Output: what they print on stdout and stderr,
// with and without a terminal. (The compiled binary is tested in test/e2e.)
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { CommanderError } from "commander"
import { afterEach, beforeEach, describe, expect, test } from "vitest"
import { printAgents } from "../../../src/cli/agents.ts"
import * as config from "../../../src/cli/config.ts"
import { buildProgram } from "../../../src/cli/program.ts"
import { printEvents } from "../../../src/cli/streams.ts"
import { SCHEMA_URL } from "../../../src/config/schema.ts"
import { CliError, EXIT } from "../../../src/errors.ts"
import { type Paths, resolvePaths } from "../../../src/paths/index.ts"
import type { Agent } from "../../../src/sdk/types.gen.ts"
import { captureOutput } from "../../support/output.ts"

const agent = (fields: Partial<Agent>): Agent => ({
  id: "k3x9qa",
  name: "app",
  harness: "opencode",
  directory: "/src/app",
  stream: "agents/k3x9qa",
  status: "idle",
  createdAt: "2026-01-02T03:04:05.000Z",
  permissions: "ask",
  allowedTools: [],
  node: "node-1",
  spentUsd: 0,
  ...fields,
})

describe("agents list", () => {
  test("a table on stdout: columns padded, the model's absence a dash, no node column for one node", () => {
    const { io, stdout, stderr } = captureOutput()
    printAgents(io, [agent({}), agent({ id: "p7", name: "api-server", harness: "claude", status: "busy", model: "anthropic/claude-sonnet-4-5", directory: "/src/api" })], {})
    expect(stdout()).toBe(
      [
        "ID      NAME        HARNESS   STATUS  MODEL                        DIRECTORY",
        "k3x9qa  app         opencode  idle    -                            /src/app",
        "p7      api-server  claude    busy    anthropic/claude-sonnet-4-5  /src/api",
        "",
      ].join("\n"),
    )
    expect(stderr()).toBe("")
  })

  test("a SPENT column once an agent has spent or has a budget: what it spent, and of which budget", () => {
    const { io, stdout } = captureOutput()
    printAgents(io, [agent({ harness: "claude", spentUsd: 0.00014 }), agent({ id: "p7", name: "api", harness: "claude", budgetUsd: 5 })], {})
    expect(stdout()).toBe(
      [
        "ID      NAME  HARNESS  STATUS  SPENT        MODEL  DIRECTORY",
        "k3x9qa  app   claude   idle    $0.00014     -      /src/app",
        "p7      api   claude   idle    $0.00/$5.00  -      /src/app",
        "",
      ].join("\n"),
    )
  })

  test("the node column once agents run on more than one node, or one is orphaned", () => {
    const twoNodes = captureOutput()
    printAgents(twoNodes.io, [agent({}), agent({ id: "p7", name: "api", node: "node-2" })], {})
    expect(twoNodes.stdout().split("\n")[0]).toMatch(/DIRECTORY {2}NODE$/)
    const orphaned = captureOutput()
    printAgents(orphaned.io, [agent({ status: "orphaned" })], {})
    expect(orphaned.stdout().split("\n")[1]).toMatch(/orphaned .* {2}node-1$/)
  })

  test("the header is bold on a terminal, plain under NO_COLOR", () => {
    const terminal = captureOutput({ tty: true })
    printAgents(terminal.io, [agent({})], {})
    expect(terminal.stdout()).toMatch(/^\x1b\[1mID {6}NAME .*DIRECTORY\x1b\[22m\n/)
    const noColor = captureOutput({ tty: true, env: { NO_COLOR: "1" } })
    printAgents(noColor.io, [agent({})], {})
    expect(noColor.stdout()).toMatch(/^ID {6}NAME /)
  })

  test("--json prints the agents as they came; none is a note on stderr and nothing on stdout", () => {
    const json = captureOutput({ tty: true })
    printAgents(json.io, [agent({})], { json: true })
    expect(JSON.parse(json.stdout())).toEqual([agent({})])
    const none = captureOutput()
    printAgents(none.io, [], {})
    expect([none.stdout(), none.stderr()]).toEqual(["", "no agents yet (create one with: iterate agents new, or just: iterate run MESSAGE)\n"])
    const noneJson = captureOutput()
    printAgents(noneJson.io, [], { json: true })
    expect(noneJson.stdout()).toBe("[]\n")
  })
})

describe("streams read", () => {
  const events = [
    { offset: "0000000000000000_0000000000000001", createdAt: "2026-01-02T03:04:05.000Z", type: "note", payload: { text: "hi" }, version: 1, streamId: "demo" },
    { offset: "0000000000000000_0000000000000002", createdAt: "2026-01-02T03:04:06.000Z", type: "ping", version: 1, streamId: "demo" },
  ]

  test("text: offset, time, type and payload on one line each; offset and time dim on a terminal", () => {
    const plain = captureOutput()
    printEvents(plain.io, events, { format: "text" })
    expect(plain.stdout()).toBe(
      [
        '0000000000000000_0000000000000001  2026-01-02T03:04:05.000Z  note  {"text":"hi"}',
        "0000000000000000_0000000000000002  2026-01-02T03:04:06.000Z  ping",
        "",
      ].join("\n"),
    )
    const terminal = captureOutput({ tty: true })
    printEvents(terminal.io, events.slice(1), { format: "text" })
    expect(terminal.stdout()).toBe("\x1b[2m0000000000000000_0000000000000002\x1b[22m  \x1b[2m2026-01-02T03:04:06.000Z\x1b[22m  ping\n")
  })

  test("json: each event as one line of JSON, never coloured; a message that is no event is printed as JSON in text mode too", () => {
    const json = captureOutput({ tty: true })
    printEvents(json.io, events, { format: "json" })
    expect(json.stdout().trimEnd().split("\n").map((line) => JSON.parse(line))).toEqual(events)
    const other = captureOutput({ tty: true })
    printEvents(other.io, [{ not: "an event" }, 42], { format: "text" })
    expect(other.stdout()).toBe('{"not":"an event"}\n42\n')
  })

  test("a stream that is not JSON is passed through byte for byte", () => {
    const { io, stdout } = captureOutput()
    printEvents(io, new TextEncoder().encode("line one\nline two"), { format: "text" })
    printEvents(io, new TextEncoder().encode(" and more\n"), { format: "json" })
    expect(stdout()).toBe("line one\nline two and more\n")
  })
})

describe("config", () => {
  let home: string
  let paths: Paths
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "iterate-config-"))
    paths = resolvePaths({ HOME: home, XDG_CONFIG_HOME: join(home, "config"), XDG_STATE_HOME: join(home, "state") })
  })
  afterEach(() => rmSync(home, { recursive: true, force: true }))

  test("set writes the key, get prints it (a string as it is, anything else as JSON), list prints key=value lines", async () => {
    const { io, stdout, stderr } = captureOutput()
    await config.set(io, paths, "harnesses.claude.binary", "/usr/local/bin/claude")
    await config.set(io, paths, "web.roots", '["/home/me/src"]')
    await config.get(io, paths, "harnesses.claude.binary")
    await config.get(io, paths, "web.roots")
    expect(stdout()).toBe('/usr/local/bin/claude\n[\n  "/home/me/src"\n]\n')
    // No daemon runs, so there is nothing to restart.
    expect(stderr()).toBe("")
    const listed = captureOutput()
    await config.list(listed.io, paths, {})
    // A file iterate creates names its schema, for editors.
    expect(listed.stdout()).toBe(`$schema=${SCHEMA_URL}\n` + 'harnesses.claude.binary=/usr/local/bin/claude\nweb.roots=["/home/me/src"]\n')
    const json = captureOutput()
    await config.list(json.io, paths, { json: true })
    expect(JSON.parse(json.stdout())).toMatchObject({ harnesses: { claude: { binary: "/usr/local/bin/claude" } }, web: { roots: ["/home/me/src"] } })
  })

  test("a key iterate does not know is set with a note on stderr; unset says when there was nothing to remove", async () => {
    const { io, stdout, stderr } = captureOutput()
    await config.set(io, paths, "theme", "dark")
    await config.unset(io, paths, "theme")
    await config.unset(io, paths, "theme")
    expect(stdout()).toBe("")
    expect(stderr()).toBe("note: theme is not a setting iterate knows; it was set all the same (see: iterate config --help)\ntheme was not set\n")
  })

  test("a value the schema refuses is a usage error and leaves the file as it was; get of an unset key fails", async () => {
    const { io, stdout } = captureOutput()
    await config.set(io, paths, "web.roots", '["/a"]')
    const before = readFileSync(paths.configFile, "utf8")
    const refused = config.set(io, paths, "web.roots", '["/a", 3]')
    await expect(refused).rejects.toThrow(CliError)
    await expect(refused).rejects.toMatchObject({ message: "web.roots[1] must be a string", code: EXIT.usage })
    expect(readFileSync(paths.configFile, "utf8")).toBe(before)
    await expect(config.get(io, paths, "harnesses.pi.binary")).rejects.toMatchObject({ message: "harnesses.pi.binary is not set", code: EXIT.failure })
    expect(stdout()).toBe("")
  })
})

test("commander's own help and usage errors go to the command's Output too", async () => {
  const help = captureOutput()
  const shown = buildProgram(help.io).parseAsync(["streams", "read", "--help"], { from: "user" })
  await expect(shown).rejects.toBeInstanceOf(CommanderError)
  expect(help.stdout()).toContain("iterate streams read demo --offset now --follow --format json | jq .type")
  const bad = captureOutput()
  await expect(buildProgram(bad.io).parseAsync(["streams", "read", "demo", "--format", "yaml"], { from: "user" })).rejects.toMatchObject({ code: "commander.invalidArgument" })
  expect(bad.stderr()).toContain("--format must be text or json")
  expect(bad.stdout()).toBe("")
})
