// Small pieces the views share.
import type { ComponentChildren } from "preact"
import { PERMISSION_POLICIES, type PermissionPolicy } from "../protocol/agent-events.ts"
import { formatUsd } from "../protocol/usage.ts"
import type { Agent, Worktree } from "../sdk/types.gen.ts"
import { navigate } from "./router.ts"

export function Link({ href, children, class: className }: { href: string; children: ComponentChildren; class?: string }) {
  return (
    <a
      href={href}
      class={className}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
        event.preventDefault()
        navigate(href)
      }}
    >
      {children}
    </a>
  )
}

/** A worktree agent's mark: its branch, and the branch it came from. */
export function Branch({ worktree }: { worktree: Worktree }) {
  return (
    <span class="badge branch" title={`worktree ${worktree.path}, from ${worktree.base} of ${worktree.root}`}>
      {worktree.branch} ← {worktree.base}
    </span>
  )
}

const LABEL: Record<string, string> = { idle: "idle", busy: "busy", waiting: "waiting for permission", error: "error" }

export function Status({ status }: { status: string }) {
  return (
    <span class="status" data-status={status}>
      {LABEL[status] ?? status}
    </span>
  )
}

const POLICY: Record<PermissionPolicy, string> = {
  ask: "ask every time",
  "allow-edits": "allow file edits, ask for the rest",
  "allow-all": "allow everything",
  deny: "deny everything",
}

/** The choice of an agent's permission policy (`permissions` of the API), named `permissions`. */
export function PolicySelect({ value, onChange, disabled }: { value: PermissionPolicy; onChange: (policy: PermissionPolicy) => void; disabled?: boolean }) {
  return (
    <select name="permissions" value={value} disabled={disabled} onChange={(e) => onChange(e.currentTarget.value as PermissionPolicy)}>
      {PERMISSION_POLICIES.map((policy) => (
        <option value={policy}>
          {policy}: {POLICY[policy]}
        </option>
      ))}
    </select>
  )
}

/** What the agent spent, and of which budget; marked once it has spent it. */
export function Spend({ agent }: { agent: Pick<Agent, "spentUsd" | "budgetUsd"> }) {
  const { spentUsd, budgetUsd } = agent
  const over = budgetUsd !== undefined && spentUsd >= budgetUsd
  return (
    <span class={over ? "spend over-budget" : "spend"} title={over ? "its budget is spent: raise it to prompt it again" : "what its turns cost, as its harness reported it"}>
      {formatUsd(spentUsd)}
      {budgetUsd !== undefined && ` of ${formatUsd(budgetUsd)}`}
    </span>
  )
}

/** "12 s ago", "3 min ago", or the date for anything older than a day. */
export function when(iso: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))
  if (seconds < 60) return `${seconds} s ago`
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`
  return new Date(iso).toLocaleDateString()
}
