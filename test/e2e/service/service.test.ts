// `iterate service` through the compiled binary. No user systemd runs in a test: the sandbox points
// systemctl at a bus that does not exist, so a real install writes its files and then cannot start
// them, which is the failure path users see on a machine without a user session.
import { afterEach, expect, test } from "vitest"
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { BINARY, Sandbox } from "../../support/sandbox.ts"
import { verifyUnit } from "../../support/systemd.ts"

let sandbox: Sandbox
afterEach(() => sandbox?.close())

function newSandbox(extra: Record<string, string> = {}) {
  sandbox = new Sandbox(extra)
  // Nothing reachable: neither a runtime folder with a manager's socket nor a session bus.
  Object.assign(sandbox.env, { XDG_RUNTIME_DIR: join(sandbox.dir, "run"), DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(sandbox.dir, "no-bus")}` })
  return sandbox
}

const unitPath = () => join(sandbox.dir, "config", "systemd", "user", "iterate.service")
const envPath = () => join(sandbox.dir, "config", "iterate", "service.env")
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8)

test("install --dry-run prints a unit that systemd-analyze accepts, and writes nothing", async () => {
  newSandbox()
  const result = await sandbox.run(["service", "install", "--dry-run", "--hostname", "127.0.0.1", "--port", "4096", "--cors", "http://x.test"])
  expect(result.code, result.stderr).toBe(0)
  const unit = result.stdout
  expect(unit).toContain(
    `\nExecStart=${BINARY} serve --port 4096 --hostname 127.0.0.1 --cors http://x.test --log-file ${sandbox.logPath}\n`,
  )
  expect(unit).toContain(`\nEnvironment="XDG_STATE_HOME=${join(sandbox.dir, "state")}"\n`)
  expect(unit).toContain(`\nEnvironment="PATH=${sandbox.env.PATH}"\n`)
  // The daemon records that the service runs it, so server stop and upgrade go through systemd.
  expect(unit).toContain(`\nEnvironment="ITERATE_SERVICE=systemd"\n`)
  expect(unit).toContain(`\nEnvironmentFile=-${envPath()}\n`)
  expect(unit).toContain("\nRestart=on-failure\n")
  expect(unit).toContain("\nWantedBy=default.target\n")
  // The session's runtime folder belongs to that session, not to the service.
  expect(unit).not.toContain("XDG_RUNTIME_DIR")
  expect(result.stderr.trim().split("\n")).toEqual([
    `would write ${unitPath()} (mode 0644)`,
    `would write ${envPath()} (mode 0600)`,
    "would run: systemctl --user daemon-reload",
    "would run: systemctl --user enable iterate.service",
    "would run: systemctl --user restart iterate.service",
  ])
  expect(existsSync(join(sandbox.dir, "config"))).toBe(false)
  expect(existsSync(join(sandbox.dir, "state"))).toBe(false)

  const file = join(sandbox.dir, "iterate.service")
  writeFileSync(file, unit)
  const verify = await verifyUnit(file)
  expect(verify.about).toEqual([])
  expect(verify.code).toBe(0)
})

test("install refuses a non-loopback address without a password, with serve's own message, and writes nothing", async () => {
  newSandbox()
  const result = await sandbox.run(["service", "install", "--hostname", "0.0.0.0", "--port", "4096"])
  expect(result.code).toBe(1)
  expect(result.stderr.trim().split("\n")).toHaveLength(1)
  const serve = await sandbox.run(["serve", "--hostname", "0.0.0.0", "--port", "0"])
  expect(result.stderr).toBe(serve.stderr)
  expect(result.stdout).toBe("")
  expect(existsSync(join(sandbox.dir, "config"))).toBe(false)
  expect((await sandbox.run(["service", "install", "--dry-run", "--hostname", "0.0.0.0"])).code).toBe(1)
})

test("a real install without a reachable systemd writes the files, says which command failed, and status/uninstall follow", async () => {
  const password = `s3cret "<&>" $x %y`
  newSandbox({ ITERATE_SERVER_PASSWORD: password, ITERATE_SERVER_USERNAME: "ops" })
  const result = await sandbox.run(["service", "install", "--hostname", "0.0.0.0", "--port", "4096"])
  expect(result.code).toBe(1)
  const lines = result.stderr.trim().split("\n")
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(
    new RegExp(
      `^iterate: wrote ${unitPath()}, but \`systemctl --user daemon-reload\` failed: .+; the files stay, so it can be started by hand: systemctl --user daemon-reload && `,
    ),
  )

  expect(mode(unitPath())).toBe("644")
  expect(mode(envPath())).toBe("600")
  const unit = readFileSync(unitPath(), "utf8")
  expect(unit).not.toContain("s3cret")
  expect(unit).not.toContain("ITERATE_SERVER_PASSWORD=")
  expect(unit).toContain(" --hostname 0.0.0.0 ")
  expect(readFileSync(envPath(), "utf8")).toContain(`\nITERATE_SERVER_PASSWORD="s3cret \\"<&>\\" \\$x %y"\nITERATE_SERVER_USERNAME="ops"\n`)
  // The daemon log's folder exists for the service to log into.
  expect(mode(join(sandbox.dir, "state", "iterate", "log"))).toBe("700")

  const status = await sandbox.run(["service", "status"])
  expect(status.code).toBe(0)
  expect(status.stdout).toMatch(new RegExp(`^installed  ${unitPath()}\nsystemd    unknown: \`systemctl --user is-active iterate.service\`: .+\n$`))
  const json = await sandbox.run(["service", "status", "--json"])
  expect(JSON.parse(json.stdout)).toMatchObject({ installed: true, manager: "systemd", file: unitPath(), state: "unknown" })

  const dryRun = await sandbox.run(["service", "uninstall", "--dry-run"])
  expect(dryRun.code).toBe(0)
  expect(dryRun.stderr).toContain(`would remove ${unitPath()}\nwould remove ${envPath()}\n`)
  expect(existsSync(unitPath())).toBe(true)

  const uninstall = await sandbox.run(["service", "uninstall"])
  expect(uninstall.code).toBe(0)
  expect(uninstall.stderr).toMatch(/^iterate: could not stop the service \(`systemctl --user disable --now iterate.service` failed: .+\); removing its files anyway\n$/)
  expect(uninstall.stdout).toBe(`removed ${unitPath()} and ${envPath()}\n`)
  expect(existsSync(unitPath())).toBe(false)
  expect(existsSync(envPath())).toBe(false)

  const after = await sandbox.run(["service", "status"])
  expect(after.code).toBe(3)
  expect(after.stdout).toBe(`not installed (no ${unitPath()})\n`)
  expect(JSON.parse((await sandbox.run(["service", "status", "--json"])).stdout)).toEqual({ installed: false, manager: "systemd", file: unitPath() })
  const again = await sandbox.run(["service", "uninstall"])
  expect(again.code).toBe(0)
  expect(again.stderr).toBe(`iterate service is not installed (no ${unitPath()})\n`)
})

test("unknown flags, bad values, --server and unknown subcommands are usage errors", async () => {
  newSandbox()
  for (const args of [
    ["service", "install", "--bogus"],
    ["service", "install", "--port", "http"],
    ["service", "install", "--public-url", "ftp://x"],
    ["service", "install", "--server", "http://127.0.0.1:1"],
    ["service", "status", "--dry-run"],
    ["service", "uninstall", "extra"],
    ["service", "restart"],
  ]) {
    const result = await sandbox.run(args)
    expect(result.code, args.join(" ")).toBe(2)
  }
  expect(existsSync(join(sandbox.dir, "config"))).toBe(false)
})

test("every service command has help with examples", async () => {
  newSandbox()
  for (const command of [["service"], ["service", "install"], ["service", "uninstall"], ["service", "status"]]) {
    const help = await sandbox.run([...command, "--help"])
    expect(help.code).toBe(0)
    expect(help.stdout, command.join(" ")).toContain("\nExamples:\n  iterate ")
  }
})

test("a daemon the CLI started is named by --dry-run and left running when the service cannot start", async () => {
  newSandbox()
  const start = await sandbox.run(["server", "start"])
  expect(start.code, start.stderr).toBe(0)
  const { pid } = sandbox.record()!
  const dryRun = await sandbox.run(["service", "install", "--dry-run", "--port", "4096"])
  expect(dryRun.stderr).toContain(
    `would run: systemctl --user enable iterate.service\nwould stop the daemon running now (pid ${pid}) so the service can take over\nwould run: systemctl --user restart iterate.service\n`,
  )
  expect((await sandbox.run(["service", "install", "--port", "4096"])).code).toBe(1)
  const status = await sandbox.run(["server", "status", "--json"])
  expect(JSON.parse(status.stdout)).toMatchObject({ running: true, pid })
})

test("the store's URL, from --store or ITERATE_STORE_URL, goes to service.env and never into the unit", async () => {
  const url = "postgres://iterate:db-s3cret@db.internal:5432/iterate"
  for (const [extra, args] of [[{}, ["--store", url]], [{ ITERATE_STORE_URL: url }, []]] as const) {
    newSandbox(extra)
    expect((await sandbox.run(["service", "install", "--port", "4096", ...args])).code).toBe(1) // no systemd to start it
    const unit = readFileSync(unitPath(), "utf8")
    expect(unit).not.toContain("db-s3cret")
    expect(unit).not.toContain("--store")
    expect(readFileSync(envPath(), "utf8")).toContain(`\nITERATE_STORE_URL="${url}"\n`)
    sandbox.close()
  }
})
