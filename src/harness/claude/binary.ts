// Finding the `claude` executable. npm installs Claude Code as `@anthropic-ai/claude-code`, whose
// `bin/claude.exe` is a 500-byte shell script that only prints an error until the package's
// postinstall replaces it with the native binary from the platform package next to it
// (`@anthropic-ai/claude-code-linux-x64/claude`, …, a ~400 MB file). Package managers that skip
// install scripts (npm 11 by default, pnpm, --ignore-scripts) leave the script, so when PATH leads
// to it we run the platform package's binary instead. Claude's own installer (~/.local/bin/claude)
// and Homebrew put the native binary on PATH directly.
import { readdirSync, realpathSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { HarnessProblemError } from "../problem.ts"

export const INSTALL_COMMAND = "npm i -g @anthropic-ai/claude-code"

/** No claude to run: `problem` says why, `fix` is the command that gets one. */
export class ClaudeNotFoundError extends HarnessProblemError {}

/** The claude to run: `configured` (config `harnesses.claude.binary`) if given, else `claude` on PATH. */
export function findClaudeBinary(configured?: string, path = process.env.PATH): string {
  if (configured) {
    // Unset, claude is looked for on PATH; `iterate config set` points it elsewhere instead.
    if (!Bun.which(configured))
      throw new ClaudeNotFoundError(`harnesses.claude.binary is set to ${configured}, which is not an executable file`, "iterate config unset harnesses.claude.binary")
    return configured
  }
  const onPath = Bun.which("claude", { PATH: path ?? "" })
  if (!onPath) {
    const problem = "Claude Code is not installed (no claude on PATH)"
    throw new ClaudeNotFoundError(problem, INSTALL_COMMAND, `${problem}: install it with \`${INSTALL_COMMAND}\` (or see https://code.claude.com/docs/en/setup)`)
  }
  const real = realpathSync(onPath)
  if (!isPlaceholder(real)) return onPath
  const native = nativeBinary(dirname(dirname(real)))
  if (!native) {
    const problem = `${onPath} is the npm package's placeholder and its platform package is missing`
    throw new ClaudeNotFoundError(problem, INSTALL_COMMAND, `${problem}: reinstall with \`${INSTALL_COMMAND}\``)
  }
  return native
}

/**
 * The native binary of an installed `@anthropic-ai/claude-code` (its folder given), from the
 * platform package beside it (npm) or inside it (some layouts); undefined when none fits here.
 */
export function nativeBinary(packageDir: string): string | undefined {
  const file = process.platform === "win32" ? "claude.exe" : "claude"
  const name = `claude-code-${platformKey()}`
  return [join(dirname(packageDir), name, file), join(packageDir, "node_modules", "@anthropic-ai", name, file)].find((f) => Bun.which(f))
}

/** `claude --version`, e.g. "2.1.332" (it prints "2.1.332 (Claude Code)"). */
export async function claudeVersion(binary: string): Promise<string> {
  const child = Bun.spawn([binary, "--version"], { stdin: "ignore", stdout: "pipe", stderr: "pipe" })
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  if (code !== 0) throw new Error(`${binary} --version failed: ${(err || out).trim().split("\n")[0]}`)
  return out.trim().split(/\s/)[0]!
}

// The platform key the package's own install.cjs picks: os-arch, plus -musl on musl Linux.
function platformKey(): string {
  const key = `${process.platform}-${process.arch}`
  if (process.platform !== "linux") return key
  try {
    return readdirSync("/lib").some((f) => f.startsWith("ld-musl-")) ? `${key}-musl` : key
  } catch {
    return key
  }
}

function isPlaceholder(file: string): boolean {
  return file.endsWith(join("claude-code", "bin", "claude.exe")) && statSync(file).size < 64 * 1024
}
