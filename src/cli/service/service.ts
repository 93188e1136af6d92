// `iterate service install|uninstall|status`: `iterate serve` as a systemd user unit (Linux) or a
// launchd agent (macOS) that starts with the user's session and restarts on failure.
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { homedir, userInfo } from "node:os"
import { dirname, join, resolve } from "node:path"
import { CliError, EXIT } from "../../errors.ts"
import type { Output } from "../../client/output.ts"
import { serveArguments, toServeOptions } from "../serve-options.ts"
import { bindRefusal, isLoopback } from "../../discovery/bind.ts"
import { findLocalDaemon, stopLocalDaemon } from "../../client/local.ts"
import { sleep } from "../../os/process.ts"
import { ensurePrivateDir } from "../../discovery/record.ts"
import { selfCommand } from "../../client/spawn.ts"
import { resolvePaths } from "../../paths/index.ts"
import {
  LAUNCHD_LABEL,
  renderEnvironmentFile,
  renderLaunchdPlist,
  renderSystemdUnit,
  type ServiceSpec,
  SYSTEMD_UNIT,
} from "./render.ts"
import { failure, firstLine, launchdDomain, launchdService, shown, tool } from "./manager.ts"

type Manager = "systemd" | "launchd"

interface Target {
  manager: Manager
  /** the unit or the plist */
  file: string
  /** service.env: the password for systemd (launchd keeps it in the plist) */
  environmentFile: string
}

// The folders the daemon must share with the CLI; session-bound ones (XDG_RUNTIME_DIR) stay out.
const CARRIED = ["PATH", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"]
const SECRETS = ["ITERATE_SERVER_PASSWORD", "ITERATE_SERVER_USERNAME"]
const MASK = "********"

function target(env: NodeJS.ProcessEnv): Target {
  const home = env.HOME || homedir()
  const environmentFile = join(resolvePaths(env).config, "service.env")
  if (process.platform === "linux")
    return { manager: "systemd", file: join(env.XDG_CONFIG_HOME || join(home, ".config"), "systemd", "user", SYSTEMD_UNIT), environmentFile }
  if (process.platform === "darwin") return { manager: "launchd", file: join(home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`), environmentFile }
  const name = process.platform === "win32" ? "Windows" : process.platform
  throw new CliError(`iterate service is not supported on ${name} (only systemd on Linux and launchd on macOS); run iterate serve under your own service manager`)
}

/**
 * A Homebrew keg's path (…/Cellar/iterate/0.1.0/bin/iterate) names one version, which `brew upgrade`
 * removes; the service runs the formula's `opt` link instead, which always points at the installed one.
 */
export function stablePath(path: string): string {
  const keg = /^(.*)\/Cellar\/iterate\/[^/]+\/(.+)$/.exec(path)
  const opt = keg && `${keg[1]}/opt/iterate/${keg[2]}`
  return opt && existsSync(opt) ? opt : path
}

const picked = (env: NodeJS.ProcessEnv, names: string[]) =>
  Object.fromEntries(names.flatMap((name) => (env[name] ? [[name, env[name]!]] : []))) as Record<string, string>

/** Written beside the target and renamed over it, so the manager never reads half a file. */
function writePrivately(path: string, text: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true })
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, text, { mode })
  chmodSync(temporary, mode)
  renameSync(temporary, path)
}

interface File {
  path: string
  mode: number
  text: string
  /** what --dry-run prints: the same file with the secrets masked, or nothing for the env file */
  preview?: string
}

function files(target: Target, spec: ServiceSpec): File[] {
  const masked = { ...spec, secrets: Object.fromEntries(Object.keys(spec.secrets).map((name) => [name, MASK])) }
  if (target.manager === "systemd")
    return [
      { path: target.file, mode: 0o644, text: renderSystemdUnit(spec), preview: renderSystemdUnit(spec) },
      { path: target.environmentFile, mode: 0o600, text: renderEnvironmentFile(spec.secrets) },
    ]
  return [{ path: target.file, mode: 0o600, text: renderLaunchdPlist(spec), preview: renderLaunchdPlist(masked) }]
}

type InstallOptions = Parameters<typeof toServeOptions>[0] & { dryRun?: boolean }

export async function install(io: Output, parsed: InstallOptions): Promise<void> {
  const env = process.env
  const where = target(env)
  const options = toServeOptions(parsed)
  const refusal = bindRefusal(options.hostname, env.ITERATE_SERVER_PASSWORD || undefined)
  if (refusal) throw new CliError(refusal)

  const paths = resolvePaths(env)
  // Logged where `iterate server logs` reads unless told otherwise; a relative path would mean the service's cwd.
  const logFile = resolve(options.logFile ?? paths.daemonLog)
  const spec: ServiceSpec = {
    command: [...selfCommand().map(stablePath), ...serveArguments({ ...options, logFile })],
    // The daemon records who runs it, so `iterate server stop` and `iterate upgrade` go through the manager.
    environment: { ...picked(env, CARRIED), ITERATE_SERVICE: where.manager },
    // The store's URL carries its password: it goes with the secrets, never into the unit.
    secrets: { ...picked(env, SECRETS), ...(options.store !== undefined && { ITERATE_STORE_URL: options.store }) },
    environmentFile: where.environmentFile,
    logFile,
  }
  const written = files(where, spec)
  const running = await findLocalDaemon(paths)
  const before: string[][] =
    where.manager === "systemd"
      ? [
          ["systemctl", "--user", "daemon-reload"],
          ["systemctl", "--user", "enable", SYSTEMD_UNIT],
        ]
      : []
  const after: string[][] =
    where.manager === "systemd"
      ? [["systemctl", "--user", "restart", SYSTEMD_UNIT]]
      : [
          ["launchctl", "enable", launchdService()],
          ["launchctl", "bootstrap", launchdDomain(), where.file],
        ]
  const bootout = ["launchctl", "bootout", launchdService()]

  if (parsed.dryRun) {
    for (const file of written) if (file.preview) io.out(file.preview.trimEnd())
    for (const file of written) io.note(`would write ${file.path} (mode ${file.mode.toString(8).padStart(4, "0")})`)
    if (where.manager === "launchd") io.note(`would run: ${shown(bootout)} (if it is loaded)`)
    for (const command of before) io.note(`would run: ${shown(command)}`)
    if (running) io.note(`would stop the daemon running now (pid ${running.pid}) so the service can take over`)
    for (const command of after) io.note(`would run: ${shown(command)}`)
    return
  }

  if (!options.logFile) {
    ensurePrivateDir(paths.state)
    ensurePrivateDir(paths.logDir)
  } else mkdirSync(dirname(logFile), { recursive: true })
  for (const file of written) writePrivately(file.path, file.text, file.mode)

  const byHand = [...before, ...after].map(shown).join(" && ")
  const fail = (why: string) => {
    throw new CliError(`wrote ${where.file}, but ${why}; the files stay, so it can be started by hand: ${byHand}`)
  }
  for (const command of before) {
    const why = failure(command, await tool(command))
    if (why) fail(why)
  }
  // A bootout of a job that is not loaded fails; that is fine, it only has to be gone.
  const wasLoaded = where.manager === "launchd" && (await tool(bootout))?.code === 0
  // The daemon the CLI started (or the service's own, on a reinstall) holds the state folder; the new one
  // needs it. Asked again: a bootout has already stopped launchd's own.
  const current = running && (await findLocalDaemon(paths))
  if (current) {
    await stopLocalDaemon(current)
    io.note(`stopped the daemon that was running (pid ${current.pid}) so the service can take over`)
  }
  for (const command of after) {
    let why = failure(command, await tool(command))
    // launchd may still be tearing the old job down right after bootout.
    for (let attempt = 0; why && wasLoaded && command[1] === "bootstrap" && attempt < 5; attempt++) {
      await sleep(500)
      why = failure(command, await tool(command))
    }
    if (why) fail(why)
  }

  io.out(where.file)
  io.note(`installed the ${where.manager === "systemd" ? "systemd user service" : "launchd agent"}; it runs: iterate ${serveArguments({ ...options, logFile }).join(" ")}`)
  if (!isLoopback(options.hostname) && options.port === 0)
    io.note("note: --port 0 picks a new port at every start; give --port N so other machines can find it")
  if (where.manager === "systemd") {
    io.note(`logs: iterate server logs -f (and journalctl --user -u ${SYSTEMD_UNIT} for failures before logging starts)`)
    if (!existsSync(`/var/lib/systemd/linger/${userInfo().username}`))
      io.note(`to keep it running without a login session (e.g. on a VPS): loginctl enable-linger ${userInfo().username}`)
  } else io.note(`logs: iterate server logs -f`)
}

export async function uninstall(io: Output, options: { dryRun?: boolean }): Promise<void> {
  const where = target(process.env)
  const present = [where.file, where.environmentFile].filter((path) => existsSync(path))
  if (!existsSync(where.file)) {
    if (present.length && !options.dryRun) rmSync(where.environmentFile, { force: true })
    io.note(`iterate service is not installed (no ${where.file})`)
    return
  }
  const stop = where.manager === "systemd" ? ["systemctl", "--user", "disable", "--now", SYSTEMD_UNIT] : ["launchctl", "bootout", launchdService()]
  const reload = where.manager === "systemd" ? [["systemctl", "--user", "daemon-reload"]] : []
  if (options.dryRun) {
    io.note(`would run: ${shown(stop)}`)
    for (const path of present) io.note(`would remove ${path}`)
    for (const command of reload) io.note(`would run: ${shown(command)}`)
    return
  }
  // Best effort: the files go even when the manager cannot be reached, and the user hears about it.
  const stopped = failure(stop, await tool(stop))
  if (stopped) io.note(`iterate: could not stop the service (${stopped}); removing its files anyway`)
  for (const path of present) rmSync(path, { force: true })
  for (const command of reload) {
    const why = failure(command, await tool(command))
    if (why && !stopped) io.note(`iterate: ${why}`)
  }
  io.out(`removed ${present.join(" and ")}`)
}

interface Status {
  installed: boolean
  manager: Manager
  file: string
  /** what the manager says: active, inactive, failed … (systemd); running, not running, not loaded (launchd); unknown */
  state?: string
  /** systemd: enabled, disabled … */
  enabled?: string
  pid?: number
  /** why the state is unknown */
  detail?: string
}

async function systemdState(): Promise<Pick<Status, "state" | "enabled" | "detail">> {
  const command = ["systemctl", "--user", "is-active", SYSTEMD_UNIT]
  const active = await tool(command)
  const state = active?.stdout.trim()
  // is-active exits non-zero for every state but active, so only a one-word answer on stdout counts.
  if (!active) return { state: "unknown", detail: failure(command, active) }
  if (!state || /\s/.test(state)) return { state: "unknown", detail: `\`${shown(command)}\`: ${firstLine(active.stderr) || `exit code ${active.code}`}` }
  const enabled = (await tool(["systemctl", "--user", "is-enabled", SYSTEMD_UNIT]))?.stdout.trim()
  return { state, enabled: enabled && !/\s/.test(enabled) ? enabled : undefined }
}

async function launchdState(): Promise<Pick<Status, "state" | "pid" | "detail">> {
  const command = ["launchctl", "print", launchdService()]
  const result = await tool(command)
  if (!result) return { state: "unknown", detail: failure(command, result) }
  if (result.code !== 0) return { state: "not loaded" }
  const pid = /^\s*pid = (\d+)\s*$/m.exec(result.stdout)?.[1]
  return { state: /^\s*state = (.+?)\s*$/m.exec(result.stdout)?.[1] ?? "loaded", pid: pid ? Number(pid) : undefined }
}

export async function status(io: Output, options: { json?: boolean }): Promise<void> {
  const where = target(process.env)
  const installed = existsSync(where.file)
  const status: Status = { installed, manager: where.manager, file: where.file }
  if (installed) Object.assign(status, where.manager === "systemd" ? await systemdState() : await launchdState())
  if (!installed) process.exitCode = EXIT.notRunning

  if (options.json) return io.printJson(status)
  if (!installed) return io.out(`not installed (no ${where.file})`)
  io.out(`installed  ${where.file}`)
  const extra = [status.enabled, status.pid ? `pid ${status.pid}` : undefined].filter(Boolean).join(", ")
  io.out(`${where.manager.padEnd(9)}  ${status.state}${extra ? ` (${extra})` : ""}${status.detail ? `: ${status.detail}` : ""}`)
}
