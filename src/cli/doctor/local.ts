// This machine: how iterate is installed, its folders and files, free space, config.json.
import { accessSync, constants, existsSync, statfsSync, statSync } from "node:fs"
import { dirname } from "node:path"
import { findInstallation } from "../install/installation.ts"
import type { Paths } from "../../paths/index.ts"
import { configProblems } from "../../config/schema.ts"
import { VERSION } from "../../version.ts"
import { type Check, info, ok, problem } from "./check.ts"

const methodNames = { curl: "install.sh", npm: "npm", brew: "Homebrew" } as const

export function installCheck(): Check {
  try {
    const install = findInstallation()
    return ok("install", `iterate ${VERSION} (${install.target}), installed with ${methodNames[install.method]} at ${install.binary}`)
  } catch (error) {
    // From source, or a project's dependency: nothing is wrong, upgrade just works differently.
    return info("install", `iterate ${VERSION}: ${(error as Error).message.split(";")[0]}`)
  }
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8).padStart(4, "0")

/** A folder that holds secrets or the user's data: it must be the user's, writable, and closed to others. */
function privateFolder(name: string, dir: string): Check {
  if (!existsSync(dir)) return ok(name, `${dir} (not created yet)`)
  const stat = statSync(dir)
  if (process.getuid && stat.uid !== process.getuid())
    return problem(name, `${dir} belongs to user ${stat.uid}, not to you`, `sudo chown -R "$(id -u)" ${dir}`)
  if (stat.mode & 0o077) return problem(name, `${dir} is mode ${mode(dir)}: other users can look inside`, `chmod 700 ${dir}`)
  try {
    accessSync(dir, constants.W_OK)
  } catch {
    return problem(name, `${dir} is not writable`, `chmod 700 ${dir}`)
  }
  return ok(name, `${dir} (0700)`)
}

function privateFile(name: string, file: string): Check | undefined {
  if (!existsSync(file)) return undefined
  if (statSync(file).mode & 0o077) return problem(name, `${file} is mode ${mode(file)}: others can read its token`, `chmod 600 ${file}`)
  return ok(name, `${file} (0600)`)
}

/** Mode bits mean nothing on Windows, where the folders live in the user's profile. */
export function folderChecks(paths: Paths): Check[] {
  if (process.platform === "win32") return [info("folders", `${dirname(paths.state)} (permissions are not checked on Windows)`)]
  const checks = [privateFolder("state folder", paths.state), privateFolder("data folder", paths.data)]
  const record = privateFile("daemon record", paths.daemonRecord)
  return record ? [...checks, record] : checks
}

// SQLite needs room to append and to checkpoint its log; below this, writes start failing.
const LOW_DISK_BYTES = 256 * 1024 ** 2

export function diskCheck(paths: Paths): Check {
  let dir = paths.data
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir)
  const { bavail, bsize } = statfsSync(dir)
  const free = bavail * bsize
  const text = free >= 1024 ** 3 ? `${(free / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(free / 1024 ** 2)} MiB`
  if (free < LOW_DISK_BYTES) return problem("disk", `only ${text} free on the disk of ${dir}, where the streams are kept`, `free some space there (see: df -h ${dir})`)
  return ok("disk", `${text} free on the disk of ${dir}`)
}

/** The harnesses whose binary (or ACP command) config.json names: for them, not being found is a problem. */
export async function configuredHarnesses(paths: Paths): Promise<Set<string>> {
  try {
    const harnesses = (Bun.JSONC.parse(await Bun.file(paths.configFile).text()) as { harnesses?: Record<string, { binary?: unknown; acp?: unknown }> }).harnesses
    return new Set(Object.entries(harnesses ?? {}).filter(([, section]) => section?.binary !== undefined || section?.acp !== undefined).map(([name]) => name))
  } catch {
    return new Set()
  }
}

export async function configCheck(paths: Paths): Promise<Check> {
  const file = Bun.file(paths.configFile)
  if (!(await file.exists())) return ok("config", `no ${paths.configFile}: the defaults apply`)
  let value: unknown
  try {
    value = Bun.JSONC.parse(await file.text())
  } catch (error) {
    return problem("config", `${paths.configFile} is not valid JSON: ${(error as Error).message}`, "iterate config edit")
  }
  const [first] = configProblems(value)
  if (first) return problem("config", `${paths.configFile}: ${first.message}`, "iterate config edit")
  return ok("config", paths.configFile)
}
