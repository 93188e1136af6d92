import { type Command, Option } from "commander"
import { listAgentPermissions, listPermissions, replyPermission } from "../sdk/sdk.gen.ts"
import type { PendingPermission } from "../sdk/types.gen.ts"
import { agentFor, noAgent } from "../client/agents.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import type { Output } from "../client/output.ts"
import { duration } from "../client/output.ts"

async function list(io: Output, ref: string | undefined, options: { json?: boolean }, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const { permissions } = ref
    ? unwrap(connection, await listAgentPermissions({ client: connection.client, path: { agent: ref } }), { notFound: noAgent(ref) })
    : unwrap(connection, await listPermissions({ client: connection.client }))
  if (options.json) return io.printJson(permissions)
  if (permissions.length === 0) return io.note(ref ? `${ref} waits for no permission` : "no agent waits for a permission")
  io.printTable(
    ["ID", "AGENT", "TOOL", "ASKED", "REQUEST"],
    permissions.map((p) => [p.id, p.agentName, p.tool, `${duration(Date.now() - Date.parse(p.createdAt))} ago`, describe(p)]),
  )
}

function describe(p: PendingPermission): string {
  return p.waiting ? p.summary : `${p.summary} (its harness stopped since: the answer applies when it asks again)`
}

interface PermitOptions {
  always?: boolean
  deny?: boolean
  message?: string
}

async function permit(io: Output, ref: string, id: string, options: PermitOptions, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const agent = await agentFor(connection, ref)
  const decision = options.deny ? "deny" : options.always ? "always" : "allow"
  const body = { decision, ...(options.message && { message: options.message }) } as const
  unwrap(connection, await replyPermission({ client: connection.client, path: { agent: agent.id, id }, body }))
  io.note(`${decision === "deny" ? "denied" : decision === "always" ? "allowed (always, for this tool)" : "allowed"}: ${id}`)
}

export function registerPermissions(program: Command, io: Output): void {
  program
    .command("permissions")
    .argument("[agent]", "only this agent's (id or name)")
    .description("permission requests of agents' harnesses that wait for an answer")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Answer one with: iterate permit AGENT ID. A request whose harness stopped since (a crash, a
daemon restart) stays answerable: the answer applies when the harness asks the same again.

Examples:
  iterate permissions
  iterate permissions app --json | jq -r '.[].id'`,
    )
    .action((ref, options, command) => list(io, ref, options, command))
  program
    .command("permit")
    .argument("<agent>", "agent id or name")
    .argument("<id>", "the request's id (perm_…), from iterate permissions")
    .description("answer a permission request: allow it once (the default), always, or deny it")
    .addOption(new Option("--always", "allow this tool for the agent from now on").conflicts("deny"))
    .addOption(new Option("--deny", "refuse it"))
    .option("--message <text>", "with --deny: what the model is told")
    .addHelpText(
      "after",
      `
Examples:
  iterate permit app perm_k3x9qabc2d
  iterate permit app perm_k3x9qabc2d --always
  iterate permit app perm_k3x9qabc2d --deny --message "use the staging database instead"`,
    )
    .action((ref, id, options, command) => permit(io, ref, id, options, command))
}
