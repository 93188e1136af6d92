// A node's identity and reach. Its id is kept in its data folder (node.json), so a restarted node
// is the same node and takes back the agents it held; its roots are the folders it runs agents in.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import { join, relative, isAbsolute } from "node:path"
import { readableId } from "../names.ts"

const NODE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/

/** This data folder's node id: read from node.json, or made now from the host name and kept there. */
export function nodeId(dataDir: string): string {
  const file = join(dataDir, "node.json")
  try {
    const { id } = JSON.parse(readFileSync(file, "utf8")) as { id?: unknown }
    if (typeof id === "string" && NODE_ID.test(id)) return id
  } catch {
    // none yet (or unreadable): a new one
  }
  const host = hostname().toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "node"
  const id = `${host}-${readableId(4)}`
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ id })}\n`, { mode: 0o600 })
  renameSync(`${file}.tmp`, file)
  return id
}

/** Whether `directory` is one of `roots` or inside one. */
export function underRoots(directory: string, roots: readonly string[]): boolean {
  return roots.some((root) => {
    const path = relative(root, directory)
    return path === "" || (!path.startsWith("..") && !isAbsolute(path))
  })
}
