// A daemon that `iterate service` runs is stopped and restarted through its manager. No user
// systemd runs in a test: the sandbox points systemctl at a bus that does not exist, so these are
// the paths a user sees from a shell without a user session; the commands themselves are checked
// in-process for both managers.
import { afterEach, expect, test } from "vitest"
import { join } from "node:path"
import { serviceCommand } from "../../../src/cli/service/control.ts"
import { Sandbox } from "../../support/sandbox.ts"
import { startServe } from "../../support/serve.ts"
import { isAlive, waitFor } from "../../support/wait.ts"

let sandbox: Sandbox
afterEach(() => sandbox?.close())

/** `iterate serve` started the way the unit starts it, in a sandbox where systemd cannot be reached. */
async function serviceDaemon() {
  sandbox = new Sandbox()
  Object.assign(sandbox.env, { XDG_RUNTIME_DIR: join(sandbox.dir, "run"), DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(sandbox.dir, "no-bus")}` })
  const serve = await startServe(sandbox, ["--port", "0", "--log-file", sandbox.logPath], { ITERATE_SERVICE: "systemd" })
  expect(serve.record).toMatchObject({ service: "systemd" })
  return serve.record
}

test("the commands that stop, start and restart the service under systemd and launchd", () => {
  expect(serviceCommand("systemd", "stop")).toEqual(["systemctl", "--user", "stop", "iterate.service"])
  expect(serviceCommand("systemd", "restart")).toEqual(["systemctl", "--user", "restart", "iterate.service"])
  const uid = process.getuid!()
  expect(serviceCommand("launchd", "stop")).toEqual(["launchctl", "kill", "SIGTERM", `gui/${uid}/dev.iterate.serve`])
  expect(serviceCommand("launchd", "start")).toEqual(["launchctl", "kickstart", `gui/${uid}/dev.iterate.serve`])
  expect(serviceCommand("launchd", "restart")).toEqual(["launchctl", "kickstart", "-k", `gui/${uid}/dev.iterate.serve`])
})

test("server status names the service; server stop asks systemd, and stops the daemon itself when systemd cannot be reached", async () => {
  const record = await serviceDaemon()
  const status = await sandbox.run(["server", "status", "--json"])
  expect(JSON.parse(status.stdout)).toMatchObject({ running: true, pid: record.pid, service: "systemd" })
  expect((await sandbox.run(["server", "status"])).stdout).toContain(`pid ${record.pid}  version ${record.version}  up `)

  const stop = await sandbox.run(["server", "stop"])
  expect(stop.code, stop.stderr).toBe(0)
  const lines = stop.stderr.trim().split("\n")
  expect(lines).toHaveLength(2)
  expect(lines[0]).toMatch(
    /^iterate: could not stop the systemd service iterate\.service \(`systemctl --user stop iterate\.service` failed: .+\); stopping the daemon directly$/,
  )
  expect(lines[1]).toBe(`stopped the daemon (pid ${record.pid}); start the service again with: systemctl --user start iterate.service`)
  await waitFor("the daemon to exit", () => !isAlive(record.pid), { timeoutMs: 5_000 })
  // It exited cleanly (status 0), which Restart=on-failure leaves stopped.
  expect(await Bun.file(sandbox.logPath).text()).toContain("stopping: shutdown requested")
})

test("server restart goes through systemd too, and leaves the daemon running when systemd cannot be reached", async () => {
  const record = await serviceDaemon()
  const restart = await sandbox.run(["server", "restart"])
  expect(restart.code).toBe(1)
  expect(restart.stderr).toMatch(/^iterate: could not restart the systemd service iterate\.service \(`systemctl --user restart iterate\.service` failed: .+\)\n$/)
  expect(isAlive(record.pid)).toBe(true)
  expect(sandbox.record()?.instanceId).toBe(record.instanceId)
})
