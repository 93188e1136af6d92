// Finding the `codex` executable. npm installs Codex as `@openai/codex`, whose `codex` bin is a
// Node script (bin/codex.js) that runs the native binary of the platform package npm put beside it
// as an optional dependency (`@openai/codex-linux-x64` → vendor/x86_64-unknown-linux-musl/bin/codex);
// no install script is involved. iterate runs that native binary itself, so that no Node is needed
// and no Node process sits between the daemon and Codex. Homebrew and Codex's own installer put
// the native binary on PATH directly.
import { existsSync, realpathSync, statSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { HarnessProblemError } from "../problem.ts"

export const PACKAGE = "@openai/codex"
/** The version iterate is tested with. */
export const PINNED_VERSION = "0.169.0"
export const INSTALL_COMMAND = `npm i -g ${PACKAGE}@${PINNED_VERSION}`

/** No codex to run: `problem` says why, `fix` is the command that gets one. */
export class CodexNotFoundError extends HarnessProblemError {}

/** The codex to run: `configured` (config `harnesses.codex.binary`) if given, else `codex` on PATH. */
export function findCodexBinary(configured: string | undefined, path: string | undefined): string {
  if (configured) {
    const found = nativeOf(configured)
    // Unset, codex is looked for on PATH; `iterate config set` points it elsewhere instead.
    if (!found) throw new CodexNotFoundError(`harnesses.codex.binary is set to ${configured}, which is not an executable file`, "iterate config unset harnesses.codex.binary")
    return found
  }
  const onPath = Bun.which("codex", { PATH: path ?? "" })
  if (!onPath) {
    const problem = "Codex is not installed (no codex on PATH)"
    throw new CodexNotFoundError(problem, INSTALL_COMMAND, `${problem}: install it with \`${INSTALL_COMMAND}\``)
  }
  const found = nativeOf(onPath)
  if (!found) {
    const problem = `${onPath} is the npm package's launcher and its platform package is missing`
    throw new CodexNotFoundError(problem, INSTALL_COMMAND, `${problem}: reinstall with \`${INSTALL_COMMAND}\``)
  }
  return found
}

const VERSION_TIMEOUT_MS = 10_000

/** `codex --version`, e.g. "0.169.0" (it prints "codex-cli 0.169.0"); a codex that does not answer is stopped. */
export async function codexVersion(binary: string): Promise<string> {
  const child = Bun.spawn([binary, "--version"], { stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: VERSION_TIMEOUT_MS, killSignal: "SIGKILL" })
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  if (child.signalCode === "SIGKILL") throw new Error(`${binary} --version did not answer within ${VERSION_TIMEOUT_MS / 1000} s`)
  if (code !== 0) throw new Error(`${binary} --version failed: ${(err || out).trim().split("\n")[0]}`)
  return out.trim().split(/\s+/).at(-1)!
}

/** The native binary `file` is or launches; undefined when it is neither. */
function nativeOf(file: string): string | undefined {
  if (!existsSync(file)) return undefined
  const real = realpathSync(file)
  if (isLauncher(real)) return nativeBinary(dirname(dirname(real)))
  return Bun.which(file) ? file : undefined
}

/**
 * The native binary of an installed `@openai/codex` (its folder given): in the platform package
 * inside it (npm), beside it (bun, pnpm's hoisting), or in its own vendor folder (older layouts).
 */
export function nativeBinary(packageDir: string): string | undefined {
  const target = TARGETS[`${process.platform}-${process.arch}`]
  if (!target) return undefined
  const file = join("vendor", target.triple, "bin", process.platform === "win32" ? "codex.exe" : "codex")
  const platformPackage = `codex-${target.key}`
  return [join(packageDir, "node_modules", "@openai", platformPackage, file), join(dirname(packageDir), platformPackage, file), join(packageDir, file)].find((f) => Bun.which(f))
}

// The platform packages and Rust targets the launcher picks (Linux builds are static musl ones).
const TARGETS: Record<string, { key: string; triple: string }> = {
  "linux-x64": { key: "linux-x64", triple: "x86_64-unknown-linux-musl" },
  "linux-arm64": { key: "linux-arm64", triple: "aarch64-unknown-linux-musl" },
  "darwin-x64": { key: "darwin-x64", triple: "x86_64-apple-darwin" },
  "darwin-arm64": { key: "darwin-arm64", triple: "aarch64-apple-darwin" },
  "win32-x64": { key: "win32-x64", triple: "x86_64-pc-windows-msvc" },
  "win32-arm64": { key: "win32-arm64", triple: "aarch64-pc-windows-msvc" },
}

// The launcher is a script of a few kB; the native binary is ~300 MB.
function isLauncher(file: string): boolean {
  return basename(file) === "codex.js" && basename(dirname(file)) === "bin" && statSync(file).isFile() && statSync(file).size < 64 * 1024
}
