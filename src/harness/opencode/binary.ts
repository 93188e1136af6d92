// Finding the `opencode` executable. npm installs it as the `opencode-ai` package, whose
// `bin/opencode.exe` is a shell-script placeholder until its postinstall copies the real binary
// in from the platform package (`opencode-linux-x64`, …). Package managers that skip install
// scripts (npm 11 by default, pnpm, --ignore-scripts) leave the placeholder, so when PATH leads
// to one we use the platform package sitting next to it instead.
import { accessSync, constants, readdirSync, readFileSync, realpathSync, statSync } from "node:fs"
import { dirname, join } from "node:path"

const INSTALL = "npm i -g opencode-ai"

/** No opencode to run: `problem` says why, `fix` how to get one; the message says both. */
export class OpencodeNotFoundError extends Error {
  constructor(
    readonly problem: string,
    readonly fix: string,
    message = `${problem}: ${fix}`,
  ) {
    super(message)
  }
}

/** The opencode to run: `configured` (config `harnesses.opencode.binary`) if given, else `opencode` on PATH. */
export function findOpencodeBinary(configured?: string, path = process.env.PATH): string {
  if (configured) {
    if (!isExecutable(configured))
      throw new OpencodeNotFoundError(
        `harnesses.opencode.binary is set to ${configured}, which is not an executable file`,
        // Unset, opencode is looked for on PATH; `iterate config set` points it elsewhere instead.
        "iterate config unset harnesses.opencode.binary",
        `harnesses.opencode.binary is set to ${configured}, which is not an executable file`,
      )
    return configured
  }
  const onPath = Bun.which("opencode", { PATH: path ?? "" })
  if (!onPath)
    throw new OpencodeNotFoundError(
      "opencode is not installed (not found on PATH)",
      INSTALL,
      `opencode is not installed (not found on PATH): install it with \`${INSTALL}\` (or see https://opencode.ai)`,
    )
  const real = realpathSync(onPath)
  if (!isPlaceholder(real)) return onPath
  const fromPackage = platformBinary(dirname(dirname(real)))
  if (!fromPackage)
    throw new OpencodeNotFoundError(
      `${onPath} is opencode-ai's placeholder and its platform package is missing`,
      INSTALL,
      `${onPath} is opencode-ai's placeholder and its platform package is missing: reinstall with \`${INSTALL}\``,
    )
  return fromPackage
}

/**
 * The real binary of an installed `opencode-ai` package (its folder given), taken from the
 * platform package next to it; undefined when none fits this machine.
 */
export function platformBinary(opencodeAiDir: string): string | undefined {
  const nodeModules = dirname(opencodeAiDir)
  const file = process.platform === "win32" ? "opencode.exe" : "opencode"
  return platformPackages()
    .map((name) => join(nodeModules, name, "bin", file))
    .find(isExecutable)
}

/** `opencode --version`, e.g. "1.18.33". */
export async function opencodeVersion(binary: string): Promise<string> {
  const child = Bun.spawn([binary, "--version"], { stdin: "ignore", stdout: "pipe", stderr: "pipe" })
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  if (code !== 0) throw new Error(`${binary} --version failed: ${(err || out).trim().split("\n")[0]}`)
  return out.trim()
}

// The names opencode-ai's postinstall tries, best first for this machine.
function platformPackages(): string[] {
  const os = process.platform === "win32" ? "windows" : process.platform
  const base = `opencode-${os}-${process.arch}`
  const plain = process.arch === "x64" && !hasAvx2() ? [`${base}-baseline`, base] : [base, `${base}-baseline`]
  if (os !== "linux") return plain
  const musl = plain.map((name) => `${name}-musl`)
  return isMusl() ? [...musl, ...plain] : [...plain, ...musl]
}

function hasAvx2(): boolean {
  if (process.platform !== "linux") return true
  try {
    return /\bavx2\b/.test(readFileSync("/proc/cpuinfo", "utf8"))
  } catch {
    return false
  }
}

function isMusl(): boolean {
  try {
    return readdirSync("/lib").some((name) => name.startsWith("ld-musl-"))
  } catch {
    return false
  }
}

// The placeholder is a shell script of a few hundred bytes; the real binary is ~180 MB.
function isPlaceholder(file: string): boolean {
  return file.endsWith(join("opencode-ai", "bin", "opencode.exe")) && statSync(file).size < 64 * 1024
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return statSync(file).isFile()
  } catch {
    return false
  }
}
