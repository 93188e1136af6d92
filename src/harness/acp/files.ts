// The file system iterate lends an ACP agent (fs/read_text_file, fs/write_text_file): only inside
// the agent's directory, symbolic links followed before that is decided. Anything else is refused
// with a JSON-RPC error the agent can show its model. A file that does not exist reads as empty,
// as an editor opens a new file: Gemini CLI reads a file before it writes it, and takes any error
// as a file it cannot write (it looks for ENOENT on a JavaScript error, which a JSON-RPC one is not).
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs"
import { dirname, isAbsolute, relative, resolve, sep } from "node:path"
import { RequestError } from "@agentclientprotocol/sdk"

/** `path` resolved through its links (or those of the folders above it, for a file to be made); refused outside `directory`. */
export function insideDirectory(path: string, directory: string): string {
  if (!isAbsolute(path)) throw RequestError.invalidParams(undefined, `${path} is not an absolute path`)
  const root = realpathSync(directory)
  let existing = resolve(path)
  const rest: string[] = []
  while (!existsSync(existing) && dirname(existing) !== existing) {
    rest.unshift(existing.slice(dirname(existing).length + 1))
    existing = dirname(existing)
  }
  const real = resolve(realpathSync(existing), ...rest)
  const inside = relative(root, real)
  if (inside === "" || inside.startsWith(`..${sep}`) || inside === ".." || isAbsolute(inside))
    throw RequestError.invalidParams(undefined, `${path} is outside the agent's directory ${directory}`)
  return real
}

/** The file's text (empty for none), from 1-based `line` on, at most `limit` lines. */
export function readText(path: string, directory: string, line?: number | null, limit?: number | null): string {
  const file = insideDirectory(path, directory)
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return ""
    throw RequestError.internalError(undefined, `cannot read ${path}: ${(error as Error).message}`)
  }
  if (!line && !limit) return text
  const lines = text.split("\n")
  const from = Math.max(0, (line ?? 1) - 1)
  return lines.slice(from, limit ? from + limit : undefined).join("\n")
}

/** Writes the file, making the folders it needs. */
export function writeText(path: string, directory: string, content: string): void {
  const file = insideDirectory(path, directory)
  try {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, content)
  } catch (error) {
    throw RequestError.internalError(undefined, `cannot write ${path}: ${(error as Error).message}`)
  }
}
