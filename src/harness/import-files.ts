// What the importers of harnesses that keep sessions as JSON-lines files share (Claude Code's
// projects, Codex's rollouts): finding the files under a path, and reading the lines a file gained
// since a byte offset. See HarnessImporter in ./harness.ts.
import { statSync } from "node:fs"
import { join } from "node:path"
import { ImportFormatError, ImportPathError } from "./harness.ts"

/**
 * The files under `path` whose path below it matches one of `patterns` (globs), sorted; `path`
 * itself when it is a file. ImportPathError when there is no such file or folder.
 */
export function filesUnder(path: string, patterns: string[]): string[] {
  let stat: ReturnType<typeof statSync>
  try {
    stat = statSync(path)
  } catch {
    throw new ImportPathError(`no such file or folder: ${path}`)
  }
  if (stat.isFile()) return [path]
  const found = new Set<string>()
  for (const pattern of patterns) for (const file of new Bun.Glob(pattern).scanSync({ cwd: path, onlyFiles: true })) found.add(join(path, file))
  return [...found].sort()
}

export interface JsonLines {
  /** each complete line after the offset (that `keep` kept), parsed */
  values: unknown[]
  /** how many complete, non-empty lines there were, kept or not */
  lines: number
  /** the byte offset after the last complete line: where the next read starts */
  end: number
}

const NEWLINE = 0x0a
const decoder = new TextDecoder()

/**
 * The complete lines of a JSON-lines file after byte `offset`, parsed; with `keep`, only the lines
 * it matches (the rest are not even parsed: most of a session file can be what an importer does
 * not read). A last line without its newline is being written: it is left for the next read.
 * ImportFormatError naming the file when a line to parse is not JSON.
 */
export async function jsonLinesFrom(file: string, offset: number, keep?: RegExp): Promise<JsonLines> {
  const bytes = new Uint8Array(await Bun.file(file).slice(offset).arrayBuffer())
  const last = bytes.lastIndexOf(NEWLINE)
  if (last < 0) return { values: [], lines: 0, end: offset }
  const values: unknown[] = []
  let lines = 0
  for (const [index, line] of decoder.decode(bytes.subarray(0, last)).split("\n").entries()) {
    if (line.trim() === "") continue
    lines++
    if (keep && !keep.test(line)) continue
    try {
      values.push(JSON.parse(line))
    } catch {
      throw new ImportFormatError(`${file}: line ${index + 1}${offset > 0 ? ` after byte ${offset}` : ""} is not JSON`)
    }
  }
  return { values, lines, end: offset + last + 1 }
}

/** The size of a file in bytes; 0 when it is gone. */
export function sizeOf(file: string): number {
  try {
    return statSync(file).size
  } catch {
    return 0
  }
}
