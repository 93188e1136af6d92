// The files `iterate service install` writes, read back by the programs that read them for real:
// python's plistlib for launchd's plist, systemd-analyze for the unit, a POSIX shell for the env file.
// (What needs no other program: test/unit/service/render.test.ts.)
import { afterAll, expect, test } from "vitest"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { renderEnvironmentFile, renderLaunchdPlist, renderSystemdUnit, type ServiceSpec } from "../../../src/cli/service/render.ts"
import { run } from "../../support/run-process.ts"
import { BINARY, Sandbox } from "../../support/sandbox.ts"
import { verifyUnit } from "../../support/systemd.ts"

const sandbox = new Sandbox()
afterAll(() => sandbox.close())

// Everything a shell, XML or a unit file treats specially.
const PASSWORD = `p<>&"'$x\`y\\z%n`
const AWKWARD_DIR = `/tmp/it's "a" dir/100%/$HOME & <co>`

const spec: ServiceSpec = {
  command: [BINARY, "serve", "--port", "4096", "--hostname", "0.0.0.0", "--cors", "http://a.test/?x=1&y=<2>", "--log-file", `${AWKWARD_DIR}/daemon.log`],
  environment: { PATH: "/usr/bin:/bin", XDG_STATE_HOME: AWKWARD_DIR },
  secrets: { ITERATE_SERVER_PASSWORD: PASSWORD, ITERATE_SERVER_USERNAME: "ops & co" },
  environmentFile: join(sandbox.dir, "config", "iterate", "service.env"),
  logFile: `${AWKWARD_DIR}/daemon.log`,
}

test("the launchd plist parses with plistlib and holds the command, the environment, the password and the log", async () => {
  const file = join(sandbox.dir, "dev.iterate.serve.plist")
  writeFileSync(file, renderLaunchdPlist(spec))
  const parsed = await run(["python3", "-c", "import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], 'rb'))))", file])
  expect(parsed.stderr).toBe("")
  expect(parsed.code).toBe(0)
  expect(JSON.parse(parsed.stdout)).toEqual({
    Label: "dev.iterate.serve",
    ProgramArguments: spec.command,
    EnvironmentVariables: { PATH: "/usr/bin:/bin", XDG_STATE_HOME: AWKWARD_DIR, ITERATE_SERVER_PASSWORD: PASSWORD, ITERATE_SERVER_USERNAME: "ops & co" },
    RunAtLoad: true,
    KeepAlive: { SuccessfulExit: false },
    StandardOutPath: `${AWKWARD_DIR}/daemon.log`,
    StandardErrorPath: `${AWKWARD_DIR}/daemon.log`,
  })
})

test("the unit passes systemd-analyze verify and systemd reads its environment values back unchanged", async () => {
  const unit = renderSystemdUnit(spec)
  expect(unit).not.toContain("ITERATE_SERVER_PASSWORD=")
  expect(unit).not.toContain(PASSWORD)
  const file = join(sandbox.dir, "iterate.service")
  writeFileSync(file, unit)
  const verify = await verifyUnit(file)
  expect(verify.about).toEqual([])
  expect(verify.code).toBe(0)
  expect(verify.parsed).toContain(`\t\tEnvironment: XDG_STATE_HOME=${AWKWARD_DIR}\n`)
  expect(verify.parsed).toContain(`\t\tEnvironment: PATH=/usr/bin:/bin\n`)
  expect(verify.parsed).toContain(`\t\tEnvironmentFile: -${spec.environmentFile}\n`)
})

test("the env file gives a shell back the exact password and user name", async () => {
  const file = join(sandbox.dir, "service.env")
  writeFileSync(file, renderEnvironmentFile(spec.secrets))
  const read = await run(["sh", "-c", `set -a; . "$1"; printf '%s\\n%s' "$ITERATE_SERVER_PASSWORD" "$ITERATE_SERVER_USERNAME"`, "sh", file], {
    env: { PATH: process.env.PATH },
  })
  expect(read.stderr).toBe("")
  expect(read.stdout).toBe(`${PASSWORD}\nops & co`)
})
