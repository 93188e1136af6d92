// opencode's permission requests as iterate asks them. opencode decides by its rules (the last
// one that matches wins, and a session's own rules come after the project's), asking on its event
// stream when the answer is "ask":
//   permission.asked   {id, sessionID, permission, patterns, metadata, always, tool: {messageID, callID}}
//   permission.replied {sessionID, requestID, reply: once|always|reject}
// `permission` names what is asked for, not the tool: `edit` covers write, edit and patch.
import { relative } from "node:path"
import type { PermissionAsk } from "../harness.ts"
import type { PermissionKind } from "../../protocol/agent-events.ts"
import type { PermissionRule } from "./client.ts"
import type { OpencodeEvent } from "./events.ts"
import { str } from "../../protocol/json.ts"

/**
 * The session rules iterate gives every agent's session: opencode asks before anything that
 * changes files, runs a command or reaches the network, whatever the project's opencode.json
 * allows, so that the agent's permission policy is what decides. Reading stays as opencode's
 * configuration has it (allowed in the project; it asks itself outside it, and for .env files).
 */
export const ASK_RULES: PermissionRule[] = ["edit", "bash", "webfetch", "websearch", "codesearch"].map((permission) => ({
  permission,
  pattern: "*",
  action: "ask",
}))

const KINDS: Record<string, PermissionKind> = {
  edit: "edit",
  bash: "command",
  read: "read",
  glob: "read",
  grep: "read",
  list: "read",
  question: "question",
}

interface Asked {
  id: string
  permission: string
  patterns?: unknown
  metadata?: Record<string, unknown>
}

function summaryOf(asked: Asked, directory: string): string {
  const patterns = Array.isArray(asked.patterns) ? asked.patterns.filter((p): p is string => typeof p === "string") : []
  const meta = asked.metadata ?? {}
  const path = (file: string) => (file.startsWith("/") ? relative(directory, file) || "." : file)
  switch (asked.permission) {
    case "edit":
      return `edit ${path(str(meta.filepath) ?? patterns[0] ?? "a file")}`
    case "bash":
      return `run \`${str(meta.command) ?? patterns.join(" ")}\``
    case "webfetch":
      return `fetch ${str(meta.url) ?? patterns[0] ?? "a web page"}`
    case "external_directory":
      return `use ${patterns[0] ?? "a folder"} outside the project`
    default:
      return [asked.permission, ...patterns].join(" ")
  }
}

/** The request a `permission.asked` event makes, for the agents layer; undefined for any other event. */
export function permissionAsk(event: OpencodeEvent, directory: string): PermissionAsk | undefined {
  if (event.type !== "permission.asked") return undefined
  const asked = event.properties as Asked | undefined
  if (typeof asked?.id !== "string" || typeof asked.permission !== "string") return undefined
  return {
    nativeId: asked.id,
    tool: asked.permission,
    kind: KINDS[asked.permission] ?? "other",
    summary: summaryOf(asked, directory),
    request: event.properties,
    // What opencode asks about (the file and its diff, the command), the same when it asks again.
    input: { patterns: asked.patterns, metadata: asked.metadata },
  }
}

/** The request a `permission.replied` event answered. */
export function permissionReplied(event: OpencodeEvent): string | undefined {
  return event.type === "permission.replied" ? str(event.properties?.requestID) : undefined
}
