// How an agent's permission policy answers a harness's request before anyone is asked, and how a
// request asked again (by a harness that was respawned) is recognised.
import type { PermissionAsk } from "../harness/harness.ts"
import type { PermissionDecision, PermissionPolicy } from "../protocol/agent-events.ts"
import { dict } from "../protocol/json.ts"
import { readableId } from "./names.ts"

/** The policy's answer, or undefined when a person has to decide. */
export function policyDecision(policy: PermissionPolicy, allowedTools: readonly string[], ask: Pick<PermissionAsk, "tool" | "kind">): PermissionDecision | undefined {
  if (policy === "deny") return "deny"
  if (policy === "allow-all" || allowedTools.includes(ask.tool)) return "allow"
  if (policy === "allow-edits" && ask.kind === "edit") return "allow"
  return undefined
}

/** JSON with sorted keys, so the same input always gives the same text. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`
  const object = dict(value)
  if (object)
    return `{${Object.keys(object)
      .sort()
      .filter((k) => object[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable(object[k])}`)
      .join(",")}}`
  return JSON.stringify(value) ?? "null"
}

/** What names a tool call across a respawn of its harness: the tool and what it would do. */
export function matchKey(ask: Pick<PermissionAsk, "tool" | "input" | "summary">): string {
  return `${ask.tool}\n${stable(ask.input ?? ask.summary)}`
}

/** `perm_` and ten characters a person can read out and type, like agent ids. */
export const newPermissionId = () => `perm_${readableId(10)}`
