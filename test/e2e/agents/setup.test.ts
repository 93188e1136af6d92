// Finding the harness: no opencode at all, a config that names one, a config that is broken; and
// the help every agent command carries. No opencode runs here.
import { chmodSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, expect, test } from "vitest"
import { writeConfig } from "../../support/agent-sandbox.ts"
import { Sandbox } from "../../support/sandbox.ts"

// A PATH with the system's tools and no opencode (the devDependency's is not on it).
const PATH = "/usr/bin:/bin"

let sandbox: Sandbox
afterEach(() => sandbox.close())

test("without opencode, run, agents new and harnesses say how to install it", async () => {
  expect(Bun.which("opencode", { PATH })).toBeNull()
  sandbox = new Sandbox({ PATH })
  for (const args of [["run", "--dir", sandbox.dir, "hello"], ["agents", "new", "--dir", sandbox.dir]]) {
    const result = await sandbox.run(args)
    expect(result.code).toBe(1)
    expect(result.stderr).toBe("iterate: opencode is not installed (not found on PATH): install it with `npm i -g opencode-ai` (or see https://opencode.ai)\n")
  }
  const [opencode] = JSON.parse((await sandbox.run(["harnesses", "--json"])).stdout)
  expect(opencode).toEqual({
    name: "opencode",
    available: false,
    problems: [{ problem: "opencode is not installed (not found on PATH)", fix: "npm i -g opencode-ai" }],
  })
  // Every harness has a row (none is installed on this PATH); opencode's problem comes with its fix.
  const table = (await sandbox.run(["harnesses"])).stdout
  expect(table).toMatch(/^NAME {6}VERSION {2}STATUS\nopencode {2}- {8}unavailable\nclaude {4}- {8}unavailable\npi {8}- {8}unavailable\ncodex {5}- {8}unavailable\n/)
  expect(table).toContain("\nopencode: opencode is not installed (not found on PATH)\n  fix: npm i -g opencode-ai\n")
  expect(JSON.parse((await sandbox.run(["agents", "--json"])).stdout)).toEqual([])
})

test("without claude, pi or codex, agents of theirs are refused with one line, and harnesses gives the problem and the command apart", async () => {
  sandbox = new Sandbox({ PATH })
  const missing = {
    claude: ["Claude Code is not installed (no claude on PATH)", "npm i -g @anthropic-ai/claude-code", " (or see https://code.claude.com/docs/en/setup)"],
    pi: ["pi is not installed (not found on PATH)", "npm install -g @mariozechner/pi-coding-agent", ""],
    codex: ["Codex is not installed (no codex on PATH)", "npm i -g @openai/codex@0.169.0", ""],
  }
  const listed = JSON.parse((await sandbox.run(["harnesses", "--json"])).stdout)
  const table = (await sandbox.run(["harnesses"])).stdout
  for (const [harness, [problem, fix, more]] of Object.entries(missing)) {
    const result = await sandbox.run(["run", "--harness", harness, "--dir", sandbox.dir, "hello"])
    expect([result.code, result.stderr]).toEqual([1, `iterate: ${problem}: install it with \`${fix}\`${more}\n`])
    expect(listed.find((h: { name: string }) => h.name === harness)).toEqual({ name: harness, available: false, problems: [{ problem, fix }] })
    expect(table).toContain(`\n${harness}: ${problem}\n  fix: ${fix}\n`)
  }
})

test("a codex that never answers initialize: the run fails in one line saying so, the agent's stream says it too, and the daemon carries on", async () => {
  sandbox = new Sandbox({ PATH })
  const silent = join(sandbox.dir, "silent-codex")
  writeFileSync(silent, '#!/bin/sh\n[ "$1" = --version ] && echo "codex-cli 9.9.9" && exit 0\nexec sleep 300\n', { mode: 0o755 })
  writeConfig(sandbox, `{ "harnesses": { "codex": { "binary": "${silent}", "startTimeoutMs": 1000 } } }`)
  const log = join(sandbox.env.XDG_STATE_HOME!, "iterate", "log", "codex-app-server.log")
  const message = `codex app-server did not answer initialize within 1 s (see ${log})`
  const run = await sandbox.run(["run", "--harness", "codex", "--dir", sandbox.dir, "hello"])
  expect([run.code, run.stderr]).toEqual([1, `iterate: ${message}\n`])
  const [agent] = JSON.parse((await sandbox.run(["agents", "--json"])).stdout)
  expect(agent).toMatchObject({ harness: "codex", status: "error", error: message })
  const events = (await sandbox.run(["events", agent.id, "--format", "json"])).stdout.trim().split("\n").map((line) => JSON.parse(line))
  expect(events.filter((e: { type: string }) => e.type === "iterate:agent:error:occurred").map((e: { payload: { message: string } }) => e.payload.message)).toEqual([message])
  expect((await sandbox.run(["server", "status"])).code).toBe(0)
  expect(JSON.parse((await sandbox.run(["harnesses", "--json"])).stdout).find((h: { name: string }) => h.name === "codex")).toMatchObject({ available: true, version: "9.9.9" })
})

test("the config file names the opencode binary; one that is not executable is reported as the config's", async () => {
  sandbox = new Sandbox({ PATH })
  const fake = join(sandbox.dir, "opencode")
  writeFileSync(fake, "#!/bin/sh\necho 9.9.9\n")
  writeConfig(sandbox, `// comments and keys iterate does not know are fine\n{ "theme": "dark", "harnesses": { "opencode": { "binary": "${fake}" } } }`)
  const notExecutable = await sandbox.run(["harnesses", "--json"])
  expect(JSON.parse(notExecutable.stdout)[0].problems[0]).toEqual({
    problem: `harnesses.opencode.binary is set to ${fake}, which is not an executable file`,
    fix: "iterate config unset harnesses.opencode.binary",
  })

  // The daemon reads the config when it starts.
  chmodSync(fake, 0o755)
  await sandbox.run(["server", "restart"])
  expect(JSON.parse((await sandbox.run(["harnesses", "--json"])).stdout)[0]).toMatchObject({ name: "opencode", available: true, binary: fake, version: "9.9.9" })
})

test("a broken config file leaves the daemon running and is named by the harness that needs it", async () => {
  sandbox = new Sandbox({ PATH })
  writeConfig(sandbox, "{ harnesses: ")
  const [opencode] = JSON.parse((await sandbox.run(["harnesses", "--json"])).stdout)
  expect(opencode.available).toBe(false)
  expect(opencode.problems).toEqual([
    { problem: expect.stringMatching(new RegExp(`^${join(sandbox.dir, "config", "iterate", "config.json")} is not valid JSON`)), fix: "iterate config edit && iterate server restart" },
  ])
  expect((await sandbox.run(["agents", "new", "--dir", sandbox.dir])).stderr).toContain("config.json is not valid JSON")
})

test("every agent command has help with examples", async () => {
  sandbox = new Sandbox({ PATH })
  const commands = [["agents"], ["agents", "list"], ["agents", "new"], ["agents", "rm"], ["agents", "restore"], ["search"], ["export"], ["prompt"], ["abort"], ["events"], ["run"], ["attach"], ["harnesses"], ["permissions"], ["permit"]]
  for (const command of commands) {
    const help = await sandbox.run([...command, "--help"])
    expect(help.code).toBe(0)
    expect(help.stdout, command.join(" ")).toContain("\nExamples:\n  iterate ")
  }
})
