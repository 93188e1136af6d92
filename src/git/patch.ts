// Reading git's unified diff (`git diff` output with its `diff --git` headers) into files and
// hunks. Pure: no process, no Bun or Node API.

export type FileStatus = "added" | "modified" | "deleted" | "renamed" | "copied"

export interface Hunk {
  /** the `@@ -a,b +c,d @@ …` line */
  header: string
  oldStart: number
  oldLines: number
  newStart: number
  newLines: number
  /** the hunk's lines with their ` `, `+`, `-` (or `\`) prefix */
  lines: string[]
}

/** What changed in one file, counted. */
export interface FileStat {
  /** the path after the change (before it, for a deleted file), relative to the repository's top */
  path: string
  /** the path before a rename or copy */
  oldPath?: string
  status: FileStatus
  additions: number
  deletions: number
  /** git shows no lines for it */
  binary: boolean
}

export interface FileDiff extends FileStat {
  hunks: Hunk[]
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/

const ESCAPES: Record<string, string> = { a: "\x07", b: "\b", t: "\t", n: "\n", v: "\v", f: "\f", r: "\r", '"': '"', "\\": "\\" }

/** A path as git prints it: as is, or in double quotes with C escapes (octal bytes for UTF-8). */
export function unquotePath(text: string): string {
  if (!text.startsWith('"')) return text
  const bytes: number[] = []
  const encoder = new TextEncoder()
  for (let i = 1; i < text.length - 1; i++) {
    const c = text[i]!
    if (c !== "\\") {
      bytes.push(...encoder.encode(c))
      continue
    }
    const next = text[++i]!
    if (/[0-7]/.test(next)) {
      bytes.push(Number.parseInt(text.slice(i, i + 3), 8))
      i += 2
    } else bytes.push(...encoder.encode(ESCAPES[next] ?? next))
  }
  return new TextDecoder().decode(new Uint8Array(bytes))
}

/** `a/path` or `"a/pa\th"` → the path without its prefix. */
function sidePath(text: string, prefix: string): string | undefined {
  const path = unquotePath(text.replace(/\t$/, ""))
  if (path === "/dev/null") return undefined
  return path.startsWith(prefix) ? path.slice(prefix.length) : path
}

/** The two paths of `diff --git a/x b/x` when they are equal (the only case the line alone settles). */
function headerPath(line: string): string | undefined {
  const rest = line.slice("diff --git ".length)
  if (rest.startsWith('"')) {
    const end = rest.indexOf('" ', 1)
    return end < 0 ? undefined : sidePath(rest.slice(0, end + 1), "a/")
  }
  const half = (rest.length - 1) / 2
  const [a, b] = [rest.slice(0, half), rest.slice(half + 1)]
  return a.slice(2) === b.slice(2) ? a.slice(2) : undefined
}

/** The files of a patch, in its order. */
export function parsePatch(patch: string): FileDiff[] {
  const files: FileDiff[] = []
  const lines = patch.split("\n")
  if (lines.at(-1) === "") lines.pop()
  let i = 0
  while (i < lines.length) {
    if (!lines[i]!.startsWith("diff --git ")) {
      i++
      continue
    }
    const header = lines[i++]!
    let status: FileStatus = "modified"
    let oldPath: string | undefined
    let newPath: string | undefined
    let binary = false
    const hunks: Hunk[] = []
    let additions = 0
    let deletions = 0
    // the header lines, up to the first hunk or the next file
    for (; i < lines.length && !lines[i]!.startsWith("@@") && !lines[i]!.startsWith("diff --git "); i++) {
      const line = lines[i]!
      if (line.startsWith("new file mode")) status = "added"
      else if (line.startsWith("deleted file mode")) status = "deleted"
      else if (line.startsWith("rename from ")) (status = "renamed"), (oldPath = unquotePath(line.slice(12)))
      else if (line.startsWith("rename to ")) newPath = unquotePath(line.slice(10))
      else if (line.startsWith("copy from ")) (status = "copied"), (oldPath = unquotePath(line.slice(10)))
      else if (line.startsWith("copy to ")) newPath = unquotePath(line.slice(8))
      else if (line.startsWith("--- ")) oldPath ??= sidePath(line.slice(4), "a/")
      else if (line.startsWith("+++ ")) newPath ??= sidePath(line.slice(4), "b/")
      else if (line.startsWith("Binary files ") || line === "GIT binary patch") binary = true
    }
    for (; i < lines.length && !lines[i]!.startsWith("diff --git "); i++) {
      const line = lines[i]!
      const match = HUNK.exec(line)
      if (match) {
        hunks.push({
          header: line,
          oldStart: Number(match[1]),
          oldLines: match[2] === undefined ? 1 : Number(match[2]),
          newStart: Number(match[3]),
          newLines: match[4] === undefined ? 1 : Number(match[4]),
          lines: [],
        })
        continue
      }
      const hunk = hunks.at(-1)
      if (!hunk) continue
      hunk.lines.push(line)
      if (line.startsWith("+")) additions++
      else if (line.startsWith("-")) deletions++
    }
    const fallback = headerPath(header)
    const path = (status === "deleted" ? (oldPath ?? newPath) : (newPath ?? oldPath)) ?? fallback ?? ""
    files.push({
      path,
      ...((status === "renamed" || status === "copied") && oldPath !== undefined && { oldPath }),
      status,
      additions,
      deletions,
      binary,
      hunks,
    })
  }
  return files
}
