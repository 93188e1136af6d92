// The Claude Code harness around its sessions, with the real claude: check() and stopping the
// orphans of a killed daemon (finding claude and the models it takes:
// test/unit/harness/claude/binary.test.ts).
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, test } from "vitest"
import { createClaudeHarness } from "../../../../src/harness/claude/index.ts"
import { CLAUDE_FLAGS } from "../../../../src/harness/claude/session.ts"
import { text, useAnthropicStub } from "../../../support/anthropic-stub.ts"
import { ClaudeEvents, testClaudeBinary, useClaudeProject } from "../../../support/claude-project.ts"
import { expectBadSetting, expectOnlyOrphanStopped, useHarnessSessions } from "../../../support/harness-scenarios.ts"
import { folderWith } from "../../../support/path-folder.ts"

const stub = useAnthropicStub()
const project = useClaudeProject(stub)
const root = mkdtempSync(join(tmpdir(), "iterate-claude-binary-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const real = testClaudeBinary()

describe("Claude Code check", { timeout: 30_000 }, () => {
  test("ready: the binary, its version, a provider in the environment", async () => {
    const check = await createClaudeHarness(project.context()).check()
    expect(check).toEqual({ name: "claude", available: true, binary: real, version: "2.1.332", problems: [] })
  })

  test("no claude: the install command", async () => {
    const context = { ...project.context(), config: {}, env: { ...project.env, PATH: join(root, "empty") } }
    expect(await createClaudeHarness(context).check()).toEqual({
      name: "claude",
      available: false,
      problems: [{ problem: "Claude Code is not installed (no claude on PATH)", fix: "npm i -g @anthropic-ai/claude-code" }],
    })
  })

  test("no provider in the environment and no Claude login: the login command of the claude it runs", async () => {
    const { ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL, ...env } = project.env
    const check = await createClaudeHarness({ ...project.context(), env }).check()
    expect(check).toMatchObject({ available: false, version: "2.1.332" })
    expect(check.problems).toEqual([{ problem: expect.stringContaining("no model provider"), fix: `${real} auth login` }])
    const onPath = await createClaudeHarness({ ...project.context(), config: {}, env: { ...env, PATH: folderWith(root, "login", "claude", real) } }).check()
    expect(onPath.problems).toEqual([{ problem: expect.not.stringContaining("claude auth login"), fix: "claude auth login" }])
  })

  test("a bad config section is a problem whose fix unsets the setting, and open() refuses with the same message", async () => {
    await expectBadSetting(createClaudeHarness(project.context({ idleTimeoutMs: "soon" })), "harnesses.claude.idleTimeoutMs", project.directory, new ClaudeEvents())
  })
})

describe("orphans", { timeout: 60_000 }, () => {
  const { open } = useHarnessSessions((config) => createClaudeHarness(project.context(config)), () => new ClaudeEvents(), () => project.directory)

  test("a claude a previous daemon started is stopped; anything else is left alone", async () => {
    stub.reply(text("hi"))
    const { events, session } = open()
    await session.prompt({ text: "hi" })
    await events.turn(1)
    // The same claude with the same flags, but not one of ours.
    const stranger = Bun.spawn([real, ...CLAUDE_FLAGS], { cwd: project.directory, env: project.env, stdin: "pipe", stdout: "ignore", stderr: "ignore" })
    await expectOnlyOrphanStopped(createClaudeHarness(project.context()), events.started[0]!, stranger)
  })
})
