// `iterate doctor` through the compiled binary: quiet and exit 0 on a healthy setup, and each planted
// problem reported with a fix that, run as printed, makes it go away.
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { writeConfig } from "../../support/agent-sandbox.ts"
import { testOpencodeBinary } from "../../support/opencode-project.ts"
import { testPiCli } from "../../support/pi-project.ts"
import { run } from "../../support/run-process.ts"
import { BINARY, daemonsIn, Sandbox } from "../../support/sandbox.ts"
import { usePasswordServer } from "../../support/serve.ts"

interface Check {
  check: string
  status: "ok" | "info" | "problem"
  message: string
  fix?: string
}

const password = "doctor's orders"
const server = usePasswordServer(password)
let url: string
beforeAll(() => void (url = server.url()))

/** A user whose iterate is set up right: on PATH, opencode configured, a named server that takes its password. */
async function healthyUser(): Promise<Sandbox> {
  const sandbox = new Sandbox()
  const bin = join(sandbox.dir, "bin")
  mkdirSync(bin)
  symlinkSync(BINARY, join(bin, "iterate"))
  // No opencode on PATH: only the configured one counts.
  sandbox.env.PATH = `${bin}:/usr/bin:/bin`
  writeConfig(sandbox, `{ "harnesses": { "opencode": { "binary": ${JSON.stringify(testOpencodeBinary())} } } }`)
  // opencode's own global config names a provider (claude and pi are not installed: that is no problem).
  mkdirSync(join(sandbox.env.XDG_CONFIG_HOME!, "opencode"), { recursive: true })
  writeFileSync(
    join(sandbox.env.XDG_CONFIG_HOME!, "opencode", "opencode.json"),
    JSON.stringify({ provider: { stub: { npm: "@ai-sdk/openai-compatible", options: { baseURL: "http://127.0.0.1:9/v1" }, models: { m: {} } } } }),
  )
  expect((await sandbox.run(["remote", "add", "prod", url, "--password-stdin"], { stdin: password })).code).toBe(0)
  return sandbox
}

async function doctor(sandbox: Sandbox): Promise<{ code: number; ok: boolean; checks: Check[] }> {
  const result = await sandbox.run(["doctor", "--json"])
  expect(result.stderr).toBe("")
  return { code: result.code, ...JSON.parse(result.stdout) }
}

const problems = (checks: Check[]) => checks.filter((c) => c.status === "problem")

/** Runs a fix the way a person pastes it into a shell. */
async function applyFix(sandbox: Sandbox, fix: string, env: Record<string, string> = {}) {
  const result = await run(["sh", "-c", fix], { env: { ...sandbox.env, ...env }, cwd: sandbox.dir })
  expect(result.code, result.stderr).toBe(0)
}

/** A healthy user for the tests of one describe block; its daemon is stopped at the end. */
function useHealthyUser(): () => Sandbox {
  let sandbox: Sandbox
  beforeAll(async () => {
    sandbox = await healthyUser()
  })
  afterAll(async () => {
    await sandbox.run(["server", "stop"])
    sandbox.close()
  })
  return () => sandbox
}

describe("a healthy setup", () => {
  const user = useHealthyUser()

  test("with no daemon running: no problems, exit 0, the harness found from this shell, and no daemon started", async () => {
    const sandbox = user()
    const { code, ok, checks } = await doctor(sandbox)
    expect(problems(checks)).toEqual([])
    expect([code, ok]).toEqual([0, true])
    expect(checks.find((c) => c.check === "daemon")).toMatchObject({ status: "info", fix: "iterate server start" })
    expect(checks.find((c) => c.check === "harness opencode")).toMatchObject({ status: "ok", message: expect.stringContaining("found from this shell") })
    expect(checks.find((c) => c.check === "remote prod")).toMatchObject({ status: "ok", message: expect.stringContaining("password accepted") })
    expect(daemonsIn(sandbox.dir)).toEqual([])
  })

  test("with the daemon running: its version matches, its folders and record are private, it sees the harness", async () => {
    const sandbox = user()
    expect((await sandbox.run(["streams", "list"])).code).toBe(0)
    const { code, checks } = await doctor(sandbox)
    expect(problems(checks)).toEqual([])
    expect(code).toBe(0)
    const statuses = Object.fromEntries(checks.map((c) => [c.check, c.status]))
    expect(statuses).toMatchObject({ daemon: "ok", "state folder": "ok", "data folder": "ok", "daemon record": "ok", disk: "ok", config: "ok", "harness opencode": "ok" })
    expect(checks.find((c) => c.check === "harness opencode")!.message).toContain("as the daemon sees it")
    const text = await sandbox.run(["doctor"])
    expect(text.code).toBe(0)
    expect(text.stdout.trimEnd().split("\n").at(-1)).toBe("no problems found")
  })
})

describe("planted problems, each with its fix", () => {
  const user = useHealthyUser()

  test("an open state folder and a readable record: chmod fixes, run as printed", async () => {
    const sandbox = user()
    expect((await sandbox.run(["streams", "list"])).code).toBe(0)
    const state = join(sandbox.env.XDG_STATE_HOME!, "iterate")
    chmodSync(state, 0o755)
    chmodSync(sandbox.recordPath, 0o644)
    const { code, ok, checks } = await doctor(sandbox)
    expect([code, ok]).toEqual([1, false])
    expect(problems(checks)).toEqual([
      { check: "state folder", status: "problem", message: `${state} is mode 0755: other users can look inside`, fix: `chmod 700 ${state}` },
      { check: "daemon record", status: "problem", message: `${sandbox.recordPath} is mode 0644: others can read its token`, fix: `chmod 600 ${sandbox.recordPath}` },
    ])
    for (const p of problems(checks)) await applyFix(sandbox, p.fix!)
    expect(problems((await doctor(sandbox)).checks)).toEqual([])
  })

  test("a missing harness binary, as the daemon and as this shell see it", async () => {
    const sandbox = user()
    const missingBinary = join(sandbox.dir, "gone", "opencode")
    writeConfig(sandbox, `{ "harnesses": { "opencode": { "binary": ${JSON.stringify(missingBinary)} } } }`)
    await sandbox.run(["server", "restart"])
    const expected = {
      check: "harness opencode",
      status: "problem",
      message: `harnesses.opencode.binary is set to ${missingBinary}, which is not an executable file`,
      fix: "iterate config unset harnesses.opencode.binary",
    }
    expect(problems((await doctor(sandbox)).checks)).toEqual([expected])
    await sandbox.run(["server", "stop"])
    expect(problems((await doctor(sandbox)).checks)).toEqual([expected])
    // Without the setting and with no opencode on PATH there is no harness at all: the fix is installing one.
    await applyFix(sandbox, expected.fix)
    expect(problems((await doctor(sandbox)).checks)).toEqual([
      { check: "harnesses", status: "problem", message: "no harness is installed: agents cannot run", fix: "npm i -g opencode-ai" },
    ])
    writeConfig(sandbox, `{ "harnesses": { "opencode": { "binary": ${JSON.stringify(testOpencodeBinary())} } } }`)
  })

  test("claude and pi binaries config.json names that are not there: each fix, run as printed, unsets its setting", async () => {
    const sandbox = user()
    const gone = (name: string) => join(sandbox.dir, "gone", name)
    const opencode = JSON.stringify(testOpencodeBinary())
    writeConfig(sandbox, `{ "harnesses": { "opencode": { "binary": ${opencode} }, "claude": { "binary": "${gone("claude")}" }, "pi": { "binary": "${gone("pi")}", "runtime": "${gone("node")}" } } }`)
    await sandbox.run(["server", "stop"])
    const found = problems((await doctor(sandbox)).checks)
    expect(found).toEqual([
      { check: "harness claude", status: "problem", message: `harnesses.claude.binary is set to ${gone("claude")}, which is not an executable file`, fix: "iterate config unset harnesses.claude.binary" },
      { check: "harness pi", status: "problem", message: `harnesses.pi.binary is set to ${gone("pi")}, which is neither pi's CLI script nor an executable`, fix: "iterate config unset harnesses.pi.binary" },
    ])
    for (const p of found) await applyFix(sandbox, p.fix!)
    // Unset, neither is on this PATH: not installed is no problem. pi's runtime counts once there is a pi.
    expect(problems((await doctor(sandbox)).checks)).toEqual([])
    writeConfig(sandbox, `{ "harnesses": { "opencode": { "binary": ${opencode} }, "pi": { "binary": ${JSON.stringify(testPiCli())}, "runtime": "${gone("node")}" } } }`)
    const login = { check: "harness pi", status: "problem", message: expect.stringContaining("pi has no model provider"), fix: `${testPiCli()}   # then type /login` }
    const runtime = problems((await doctor(sandbox)).checks)
    expect(runtime).toEqual([
      { check: "harness pi", status: "problem", message: `harnesses.pi.runtime is set to ${gone("node")}, which is not an executable here`, fix: "iterate config unset harnesses.pi.runtime" },
      login,
    ])
    await applyFix(sandbox, runtime[0]!.fix!)
    expect(problems((await doctor(sandbox)).checks)).toEqual([login])
    writeConfig(sandbox, `{ "harnesses": { "opencode": { "binary": ${opencode} } } }`)
  })

  test("an unreachable server, and one that no longer takes the stored password", async () => {
    const sandbox = user()
    expect((await sandbox.run(["remote", "add", "gone", "http://127.0.0.1:9", "--password-stdin"], { stdin: "pw" })).code).toBe(0)
    const remotes = join(sandbox.env.XDG_CONFIG_HOME!, "iterate", "remotes")
    writeFileSync(join(remotes, "prod"), "an old password", { mode: 0o600 })
    const found = problems((await doctor(sandbox)).checks)
    expect(found).toEqual([
      {
        check: "remote prod",
        status: "problem",
        message: `${url} refused the password`,
        fix: `iterate remote add prod ${url}`,
      },
      {
        check: "remote gone",
        status: "problem",
        message: expect.stringMatching(/^http:\/\/127\.0\.0\.1:9 does not answer: /),
        fix: "iterate remote rm gone",
      },
    ])
    await applyFix(sandbox, `printf %s "$PASSWORD" | ${found[0]!.fix} --password-stdin`, { PASSWORD: password })
    await applyFix(sandbox, found[1]!.fix!)
    expect(problems((await doctor(sandbox)).checks)).toEqual([])
  })

  test("a broken config.json points at config edit", async () => {
    const sandbox = user()
    writeConfig(sandbox, '{ "web": { "roots": "/src" } }')
    const config = (await doctor(sandbox)).checks.find((c) => c.check === "config")
    expect(config).toMatchObject({ status: "problem", message: expect.stringContaining("web.roots must be an array"), fix: "iterate config edit" })
  })
})
