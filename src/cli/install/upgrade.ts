// `iterate upgrade` and `iterate uninstall`, each through the method iterate was installed with.
import { existsSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs"
import { homedir } from "node:os"
import { basename, dirname, join } from "node:path"
import { CliError, EXIT } from "../../errors.ts"
import { resolvePaths } from "../../paths/index.ts"
import { VERSION } from "../../version.ts"
import { stopOldDaemon } from "./daemon.ts"
import type { Output } from "../../client/output.ts"
import { type Installation, type Method, findInstallation } from "./installation.ts"
import { downloadBinary, releaseFolder } from "./release.ts"

const methodNames: Record<Method, string> = { curl: "install.sh", npm: "npm", brew: "Homebrew" }

// Output of the package manager is progress, so it goes to stderr with ours; stdout keeps the result.
async function runTool(command: string[]): Promise<string> {
  const executable = Bun.which(command[0]!)
  if (!executable) throw new CliError(`${command[0]} is not on PATH; it is needed to ${command.slice(1, 2).join(" ")} iterate`)
  const child = Bun.spawn([executable, ...command.slice(1)], { stdin: "ignore", stdout: "pipe", stderr: "inherit" })
  const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited])
  if (code !== 0) throw new CliError(`${command.join(" ")} failed with exit code ${code}`)
  return stdout
}

function versionOf(binary: string): string {
  const probe = Bun.spawnSync([binary, "--version"], { stdout: "pipe", stderr: "ignore" })
  if (!probe.success) throw new CliError("the downloaded iterate does not run on this machine; nothing was changed")
  return probe.stdout.toString().trim()
}

async function upgradeBinary(install: Installation, wanted?: string): Promise<string> {
  const binary = await downloadBinary(releaseFolder(wanted), install.target)
  const folder = dirname(install.binary)
  // Staged beside the old binary so the swap is a rename within one file system.
  const staged = join(folder, `.${basename(install.binary)}.${process.pid}.new`)
  try {
    writeFileSync(staged, binary, { mode: 0o755 })
  } catch (error) {
    throw new CliError(`cannot write to ${folder} (${(error as NodeJS.ErrnoException).code}); run the upgrade as the owner of ${install.binary}`)
  }
  try {
    const version = versionOf(staged)
    if (wanted && version !== wanted) throw new CliError(`asked for ${wanted} but the release holds ${version}; nothing was changed`)
    if (version === VERSION) return version
    // Windows cannot replace a running executable but can rename it out of the way.
    if (process.platform === "win32") {
      rmSync(`${install.binary}.old`, { force: true })
      renameSync(install.binary, `${install.binary}.old`)
    }
    renameSync(staged, install.binary)
    return version
  } finally {
    rmSync(staged, { force: true })
  }
}

function npmPrefixArgs(install: Installation): string[] {
  return install.npmPrefix ? ["--prefix", install.npmPrefix] : []
}

async function upgradeNpm(install: Installation, wanted?: string): Promise<string> {
  await runTool(["npm", "install", "--global", ...npmPrefixArgs(install), `iterate@${wanted ?? "latest"}`])
  const listing = await runTool(["npm", "ls", "--global", "--json", "--depth=0", ...npmPrefixArgs(install), "iterate"])
  return JSON.parse(listing).dependencies?.iterate?.version ?? "an unknown version"
}

async function upgradeBrew(wanted?: string): Promise<string> {
  if (wanted) throw new CliError("Homebrew installs only the latest release; use --method curl --version X for another one", EXIT.usage)
  await runTool(["brew", "upgrade", "iterate"])
  return (await runTool(["brew", "list", "--versions", "iterate"])).trim().split(/\s+/).at(-1) ?? "an unknown version"
}

export async function upgrade(io: Output, options: { version?: string; method?: Method }): Promise<void> {
  const wanted = options.version?.replace(/^v/, "")
  if (wanted !== undefined && !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(wanted)) {
    throw new CliError(`--version ${options.version} is not a version like 1.2.3`, EXIT.usage)
  }
  const install = findInstallation()
  const method = options.method ?? install.method
  io.note(`upgrading iterate ${VERSION} at ${install.binary} with ${methodNames[method]}`)
  const upgrades = { curl: upgradeBinary, npm: upgradeNpm, brew: (_: Installation, v?: string) => upgradeBrew(v) }
  const installed = await upgrades[method](install, wanted)
  io.out(installed === VERSION ? `iterate ${VERSION} is already installed` : `upgraded iterate ${VERSION} to ${installed}`)
  // The daemon keeps running the old code until it is restarted; the next command starts a new one
  // (an installed service is restarted on the new binary right away).
  await stopOldDaemon(io, installed)
}

const pathLineMark = "# added by iterate install.sh"

// install.sh writes a blank line and then one marked line (PATH, and zsh's completion); both go.
function removePathLines(io: Output, folder: string, zshCompletion: string): void {
  const rcFiles = [
    join(homedir(), ".bashrc"),
    join(homedir(), ".bash_profile"),
    join(homedir(), ".profile"),
    join(process.env.ZDOTDIR || homedir(), ".zshrc"),
    join(process.env.XDG_CONFIG_HOME || join(homedir(), ".config"), "fish/config.fish"),
  ]
  for (const rc of rcFiles) {
    if (!existsSync(rc)) continue
    const original = readFileSync(rc, "utf8")
    const kept: string[] = []
    for (const line of original.split("\n")) {
      if (line.endsWith(pathLineMark) && (line.includes(`"${folder}`) || line.includes(`"${zshCompletion}"`))) {
        if (kept.at(-1) === "") kept.pop()
      } else {
        kept.push(line)
      }
    }
    const text = kept.join("\n")
    if (text === original) continue
    writeFileSync(rc, text)
    io.note(`removed ${folder} from PATH in ${rc}`)
  }
}

// Where install.sh puts the completion scripts (install.sh's completion_file).
function completionFiles(): Record<"bash" | "zsh" | "fish", string> {
  const data = process.env.XDG_DATA_HOME || join(homedir(), ".local", "share")
  return {
    bash: join(data, "bash-completion", "completions", "iterate"),
    zsh: join(data, "zsh", "site-functions", "_iterate"),
    fish: join(data, "fish", "vendor_completions.d", "iterate.fish"),
  }
}

function removeBinary(io: Output, install: Installation): void {
  const folder = dirname(install.binary)
  if (process.platform === "win32") renameSync(install.binary, `${install.binary}.old`)
  else rmSync(install.binary)
  const completions = completionFiles()
  for (const file of Object.values(completions)) rmSync(file, { force: true })
  removePathLines(io, folder, completions.zsh)
  // The folders install.sh made by default go too, but only when nothing else lives in them.
  const parent = dirname(folder)
  for (const dir of basename(parent) === ".iterate" ? [folder, parent] : [folder]) {
    try {
      rmdirSync(dir)
    } catch {
      return
    }
  }
}

export async function uninstall(io: Output, options: { purge?: boolean }): Promise<void> {
  const install = findInstallation()
  await stopOldDaemon(io)
  if (install.method === "curl") removeBinary(io, install)
  else if (install.method === "npm") await runTool(["npm", "uninstall", "--global", ...npmPrefixArgs(install), "iterate"])
  else await runTool(["brew", "uninstall", "iterate"])
  const paths = resolvePaths()
  const folders = [paths.data, paths.config, paths.cache, paths.state].filter((dir) => existsSync(dir))
  for (const dir of options.purge ? folders : []) {
    rmSync(dir, { recursive: true, force: true })
    io.note(`removed ${dir}`)
  }
  if (!options.purge && folders.length) {
    io.note(`kept ${folders.join(", ")}; delete them yourself if you no longer need them`)
  }
  io.out(`uninstalled iterate ${VERSION} (${methodNames[install.method]}) from ${install.binary}`)
}
