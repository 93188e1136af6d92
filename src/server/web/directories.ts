// Directory completion for "New agent": the subfolders of a folder, only inside the configured
// roots (the home folder by default). `..` is refused outright, and every folder is judged by
// where it really is, so a symlink cannot lead out of the roots.
import { type Dirent, readdirSync, realpathSync, statSync } from "node:fs"
import { dirname, isAbsolute, join, sep } from "node:path"

export class DirectoryError extends Error {
  constructor(
    readonly status: 400 | 403 | 404,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export interface Listing {
  /** the folder listed (as asked, `~` expanded); absent when the roots themselves are listed */
  path?: string
  /** its parent, while that is still inside a root */
  parent?: string
  directories: Array<{ name: string; path: string }>
  roots: string[]
}

const MAX_ENTRIES = 500

const real = (path: string) => {
  try {
    return realpathSync(path)
  } catch {
    return undefined
  }
}

const inside = (path: string, roots: string[]) => roots.some((root) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep))

export function listDirectories(path: string | undefined, roots: string[], home: string, hidden = false): Listing {
  const realRoots = roots.map(real).filter((r): r is string => r !== undefined)
  if (path === undefined || path === "") return { directories: roots.map((root) => ({ name: root, path: root })), roots }
  const asked = path === "~" ? home : path.startsWith("~/") ? join(home, path.slice(2)) : path
  if (!isAbsolute(asked)) throw new DirectoryError(400, "invalid_path", `${path} is not an absolute path`)
  if (asked.split(/[\\/]/).includes("..")) throw new DirectoryError(400, "invalid_path", "a path with .. is not accepted")
  const at = real(asked)
  if (at === undefined) throw new DirectoryError(404, "not_found", `no folder ${asked}`)
  if (!inside(at, realRoots)) throw new DirectoryError(403, "outside_roots", `${asked} is outside the folders the web UI may browse (${roots.join(", ")}; config.json web.roots)`)
  if (!statSync(at).isDirectory()) throw new DirectoryError(400, "not_a_directory", `${asked} is not a folder`)

  let entries: Dirent[]
  try {
    entries = readdirSync(at, { withFileTypes: true })
  } catch (error) {
    throw new DirectoryError(403, "unreadable", `cannot read ${asked}: ${(error as NodeJS.ErrnoException).code ?? "error"}`)
  }
  const directories: Listing["directories"] = []
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (directories.length >= MAX_ENTRIES) break
    if (!hidden && entry.name.startsWith(".")) continue
    const full = join(asked, entry.name)
    if (entry.isDirectory()) directories.push({ name: entry.name, path: full })
    else if (entry.isSymbolicLink()) {
      const target = real(full)
      if (target && inside(target, realRoots) && statSync(target).isDirectory()) directories.push({ name: entry.name, path: full })
    }
  }
  const up = dirname(asked)
  const parentReal = up !== asked ? real(up) : undefined
  return { path: asked, ...(parentReal && inside(parentReal, realRoots) && { parent: up }), directories, roots }
}
