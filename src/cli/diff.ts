// `iterate diff`: an agent's change as git prints a diff (coloured on a terminal), its stat, the
// names of its files, or JSON with each file's hunks.
import type { Command } from "commander"
import { noAgent } from "../client/agents.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import type { Output } from "../client/output.ts"
import { diffAgent } from "../sdk/sdk.gen.ts"
import type { DiffFile } from "../sdk/types.gen.ts"

interface DiffOptions {
  stat?: boolean
  nameOnly?: boolean
  last?: boolean
  json?: boolean
}

const COLOR = { meta: "\x1b[1m", hunk: "\x1b[36m", add: "\x1b[32m", del: "\x1b[31m", reset: "\x1b[0m" }

/** The patch with git's colours: file headers bold, hunk headers cyan, added lines green, removed red. */
export function colorPatch(patch: string): string {
  let header = false
  return patch
    .split("\n")
    .map((line) => {
      if (line.startsWith("diff --git ")) header = true
      else if (line.startsWith("@@")) header = false
      const color = header ? COLOR.meta : line.startsWith("@@") ? COLOR.hunk : line.startsWith("+") ? COLOR.add : line.startsWith("-") ? COLOR.del : undefined
      return color && line ? `${color}${line}${COLOR.reset}` : line
    })
    .join("\n")
}

const GRAPH_WIDTH = 40

/** `git diff --stat`: a line per file with its count and a +/- graph, then the totals. */
export function statLines(files: DiffFile[], color: boolean): string[] {
  const name = (f: DiffFile) => (f.oldPath ? `${f.oldPath} => ${f.path}` : f.path)
  const width = Math.max(0, ...files.map((f) => name(f).length))
  const most = Math.max(0, ...files.map((f) => f.additions + f.deletions))
  const countWidth = String(most).length
  const scale = most > GRAPH_WIDTH ? GRAPH_WIDTH / most : 1
  const paint = (text: string, code: string) => (color && text ? `${code}${text}${COLOR.reset}` : text)
  const lines = files.map((f) => {
    if (f.binary) return ` ${name(f).padEnd(width)} | Bin`
    const total = f.additions + f.deletions
    const plus = Math.round(f.additions * scale) || (f.additions > 0 ? 1 : 0)
    const minus = Math.round(f.deletions * scale) || (f.deletions > 0 ? 1 : 0)
    return ` ${name(f).padEnd(width)} | ${String(total).padStart(countWidth)} ${paint("+".repeat(plus), COLOR.add)}${paint("-".repeat(minus), COLOR.del)}`.trimEnd()
  })
  const additions = files.reduce((sum, f) => sum + f.additions, 0)
  const deletions = files.reduce((sum, f) => sum + f.deletions, 0)
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`
  const totals = [plural(files.length, "file changed", "files changed")]
  if (additions > 0 || deletions === 0) totals.push(`${plural(additions, "insertion(+)", "insertions(+)")}`)
  if (deletions > 0) totals.push(`${plural(deletions, "deletion(-)", "deletions(-)")}`)
  return [...lines, ` ${totals.join(", ")}`]
}

async function diff(io: Output, ref: string, options: DiffOptions, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const stat = options.stat || options.nameOnly
  const query = { ...(options.last && { last: "true" as const }), ...(stat && { stat: "true" as const }) }
  const change = unwrap(connection, await diffAgent({ client: connection.client, path: { agent: ref }, query }), { notFound: noAgent(ref) })
  if (options.json) {
    const { patch: _, ...rest } = change
    return io.printJson(rest)
  }
  if (change.files.length === 0) return io.note(`no changes since ${change.since}`)
  if (options.nameOnly) return change.files.forEach((f) => io.out(f.path))
  if (options.stat) return statLines(change.files, io.color).forEach((line) => io.out(line))
  io.write(io.color ? colorPatch(change.patch ?? "") : (change.patch ?? ""))
}

export function registerDiff(program: Command, io: Output): void {
  program
    .command("diff")
    .argument("<agent>", "agent id or name")
    .description("the agent's change as a unified diff: a worktree agent's against the merge-base with its base, another's since it was made")
    .option("--stat", "a line per file with its added and removed lines, as git diff --stat")
    .option("--name-only", "only the paths of the files changed")
    .option("--last", "only what the agent's last turn changed")
    .option("--json", "JSON: each file's path, status, additions, deletions and hunks")
    .addHelpText(
      "after",
      `
A worktree agent's change is everything its worktree holds that its base branch does not: its
commits, uncommitted edits and new files (ignored files left out), against their merge-base.
For an agent working in a checkout of your choosing, it is what changed since the agent was
made (iterate took a snapshot then); --last counts from the snapshot taken when its last turn
started. Coloured on a terminal, plain otherwise (and with NO_COLOR).

Examples:
  iterate diff verbose-flag
  iterate diff verbose-flag --stat
  iterate diff app --last
  iterate diff verbose-flag --json | jq -r '.files[] | "\\(.additions)+ \\(.deletions)- \\(.path)"'`,
    )
    .action((ref, options, command) => diff(io, ref, options, command))
}
