import { type Command, InvalidArgumentError } from "commander"
import { CliError, EXIT } from "../errors.ts"
import { PERMISSION_POLICIES, type PermissionPolicy } from "../protocol/agent-events.ts"

/** Commander parser for a whole number in [min, max]; bad values are usage errors (exit 2). */
export function integer(name: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (value: string) => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}${max < Number.MAX_SAFE_INTEGER ? ` and ≤ ${max}` : ""}`)
    return n
  }
}

/** Commander reducer for a repeatable option. */
export const collect = (value: string, previous: string[]) => [...previous, value]

export function format(value: string): "text" | "json" {
  if (value !== "text" && value !== "json") throw new InvalidArgumentError("--format must be text or json")
  return value
}

const UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }

/** Commander parser for a size in bytes: `1048576`, `512k`, `64m`, `1GiB` (units are powers of 1024). */
export function byteSize(name: string) {
  return (value: string) => {
    const match = /^(\d+)\s*([kmg]?)(i?b)?$/i.exec(value.trim())
    const bytes = match ? Number(match[1]) * UNITS[match[2]!.toLowerCase()]! : NaN
    if (!Number.isSafeInteger(bytes) || bytes < 1) throw new InvalidArgumentError(`${name} must be a size such as 1048576, 512k or 64m`)
    return bytes
  }
}

/** Commander parser for an absolute http(s) URL. */
export function httpUrl(name: string) {
  return (value: string) => {
    const url = URL.canParse(value) ? new URL(value) : undefined
    if (url?.protocol !== "http:" && url?.protocol !== "https:") throw new InvalidArgumentError(`${name} must be an http:// or https:// URL`)
    return url.href
  }
}

/** Commander parser for an agent's permission policy. */
export function policy(value: string): PermissionPolicy {
  if (!(PERMISSION_POLICIES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`--permissions must be one of ${PERMISSION_POLICIES.join(", ")}`)
  return value as PermissionPolicy
}

/** Commander parser for an agent's budget: dollars (`5`, `0.50`, `$5`), or `none` for no budget (null). */
export function budgetUsd(value: string): number | null {
  if (value.trim().toLowerCase() === "none") return null
  const text = value.trim().replace(/^\$/, "")
  const dollars = /^\d+(\.\d*)?$|^\.\d+$/.test(text) ? Number(text) : NaN
  if (!Number.isFinite(dollars)) throw new InvalidArgumentError("--budget-usd must be dollars (e.g. 5 or 0.50), or none")
  return dollars
}

/** Commander parser for what an unattended run answers permission requests with. */
export function onPermission(value: string): "deny" | "fail" {
  if (value !== "deny" && value !== "fail") throw new InvalidArgumentError("--on-permission must be deny or fail")
  return value
}

export interface WorktreeOptions {
  worktree?: boolean
  branch?: string
  base?: string
}

/** --worktree, --branch and --base, for the commands that make an agent. */
export function worktreeOptions(command: Command): Command {
  return command
    .option("--worktree", "work in a new git worktree of the directory's repository, on a new branch; the checkout stays as it is")
    .option("--branch <name>", "with --worktree: the new branch (default: iterate/<agent name>)")
    .option("--base <ref>", "with --worktree: the commit to start from (default: the checkout's HEAD, whose branch a merge goes into)")
}

/** --branch and --base mean nothing without --worktree. */
export function checkWorktreeOptions(options: WorktreeOptions): void {
  if (!options.worktree && (options.branch !== undefined || options.base !== undefined)) throw new CliError("--branch and --base go with --worktree", EXIT.usage)
}
