// A repository's iterate.json, beside its .git: the shell commands that prepare an agent's
// worktree and clean it up. Read from the user's checkout (never the agent's worktree), so that
// an agent cannot change what runs when it is removed.
//
//   { "worktree": { "setup": "cp \"$ITERATE_ROOT_PATH/.env\" . && bun install", "archive": "…" } }
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { AgentError } from "../errors.ts"

export interface WorktreeScripts {
  /** runs in a new worktree before the agent's first prompt */
  setup?: string
  /** runs in the worktree before it is removed */
  archive?: string
}

export type ScriptName = keyof WorktreeScripts

/** The `worktree` commands of the iterate.json at `root`; none when there is no such file. */
export function worktreeScripts(root: string): WorktreeScripts {
  const file = join(root, "iterate.json")
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch {
    return {}
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new AgentError("invalid_agent", `${file} is not valid JSON: ${(error as Error).message}`)
  }
  const worktree = (value as { worktree?: unknown } | null)?.worktree
  if (worktree === undefined) return {}
  if (typeof worktree !== "object" || worktree === null || Array.isArray(worktree))
    throw new AgentError("invalid_agent", `${file}: worktree must be an object with setup and archive commands`)
  const scripts: WorktreeScripts = {}
  for (const name of ["setup", "archive"] as const) {
    const command = (worktree as Record<string, unknown>)[name]
    if (command === undefined) continue
    if (typeof command !== "string") throw new AgentError("invalid_agent", `${file}: worktree.${name} must be a shell command (a string)`)
    if (command.trim() !== "") scripts[name] = command
  }
  return scripts
}
