// `iterate batch FILE|-`: a batch of tasks, each an agent of its own in its own worktree, run by
// the daemon (the command follows it, and may leave: Ctrl-C detaches); `iterate batches [ID]`:
// the batches, or one of them (again live with --follow); `iterate batches cancel ID` stops one.
import { readFileSync } from "node:fs"
import { basename, resolve } from "node:path"
import type { Command } from "commander"
import { connectFor, unwrap } from "../client/connection.ts"
import type { Output } from "../client/output.ts"
import { readStreamFrom } from "../client/stream-reader.ts"
import { CliError, EXIT } from "../errors.ts"
import type { PermissionPolicy } from "../protocol/agent-events.ts"
import { type Batch, elapsed, foldBatch } from "../protocol/batch-events.ts"
import { cancelBatch, createBatch, getBatch, listBatches } from "../sdk/sdk.gen.ts"
import { parseTaskFile, TaskFileError } from "./batch/file.ts"
import { cancelledLine, endedLine, newlyEnded, summary, summaryLines, TABLE_HEADER, fittedTable, tableRows } from "./batch/show.ts"
import { integer, policy } from "./options.ts"

interface BatchOptions {
  parallel?: number
  harness?: string
  model?: string
  permissions?: PermissionPolicy
  worktree: boolean
  dir: string
  json?: boolean
}

// The daemon's refusals that mean the command was given the wrong thing (exit 2).
const USAGE = ["invalid_batch", "invalid_request", "not_a_repository", "bare_repository", "detached_head", "unknown_ref"] as const

// How often the live table is drawn again for its elapsed times.
const REDRAW_MS = 1000

async function readTasks(file: string) {
  let text: string
  try {
    text = file === "-" ? await Bun.stdin.text() : readFileSync(file, "utf8")
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, EXIT.usage)
  }
  try {
    return parseTaskFile(text)
  } catch (error) {
    if (error instanceof TaskFileError) throw new CliError(`${file === "-" ? "stdin" : file}: ${error.message}`, EXIT.usage)
    throw error
  }
}

async function run(io: Output, file: string, options: BatchOptions, command: Command): Promise<void> {
  const tasks = await readTasks(file)
  const connection = await connectFor(io, command)
  const body = {
    directory: resolve(options.dir),
    source: file === "-" ? "-" : basename(file),
    tasks,
    worktree: options.worktree,
    ...(options.parallel !== undefined && { parallel: options.parallel }),
    ...(options.harness !== undefined && { harness: options.harness }),
    ...(options.model !== undefined && { model: options.model }),
    ...(options.permissions !== undefined && { permissions: options.permissions }),
  }
  const batch = unwrap(connection, await createBatch({ client: connection.client, body }), { usage: USAGE }) as Batch
  const { counts } = batch
  io.note(
    `batch ${batch.id}: ${counts.total} task${counts.total === 1 ? "" : "s"}${counts.skipped ? ` (${counts.skipped} ran before: skipped)` : ""}, at most ${batch.parallel} at once, ` +
      `${batch.worktree ? "each in its own worktree" : `all in ${batch.directory}`}, permissions ${batch.permissions}`,
  )
  if (!options.json) io.hint(`Ctrl-C leaves it running in the daemon; follow it again with: iterate batches ${batch.id} --follow`)
  await follow(io, command, batch, options.json === true)
}

/** Follows the batch to its end, shown as it goes, then its summary; exits 1 when a task failed. */
async function follow(io: Output, command: Command, start: Batch, json: boolean): Promise<void> {
  const display = json ? jsonDisplay(io) : io.stdout.isTTY && process.env.TERM !== "dumb" ? liveTable(io) : lineDisplay(io)
  let batch = start
  display.show(batch)
  const detach = () => {
    display.stop()
    io.note(`detached: batch ${batch.id} goes on in the daemon; follow it again with: iterate batches ${batch.id} --follow`)
    process.exit(EXIT.interrupted)
  }
  process.on("SIGINT", detach)
  try {
    await readStreamFrom(io, command, batch.stream, {
      offset: "-1",
      follow: true,
      onMessages: (messages: unknown) => {
        for (const event of messages as Array<{ type: string; payload?: unknown }>) batch = foldBatch(batch, event) ?? batch
        display.show(batch)
      },
      until: () => batch.endedAt !== undefined,
    })
  } finally {
    process.off("SIGINT", detach)
    display.stop()
  }
  // The batch's last event holds it whole, as it ended.
  display.end(batch)
  if (!summary(batch, Date.now()).ok) process.exitCode = EXIT.failure
}

interface Display {
  show(batch: Batch): void
  end(batch: Batch): void
  stop(): void
}

/** The tasks as a table on the terminal, drawn again in place as they change (and each second, for the time). */
function liveTable(io: Output): Display {
  let drawn = 0
  let current: Batch | undefined
  let timer: ReturnType<typeof setInterval> | undefined
  const draw = () => {
    if (!current) return
    const size = io.stdout as { columns?: number; rows?: number }
    const lines = fittedTable(TABLE_HEADER, tableRows(current, Date.now()), size.columns || 120, Math.max(3, (size.rows || 40) - 2))
    lines[0] = io.bold(lines[0]!)
    io.write(`${drawn ? `\x1b[${drawn}F\x1b[J` : ""}${lines.join("\n")}\n`)
    drawn = lines.length
  }
  return {
    show(batch) {
      current = batch
      timer ??= setInterval(draw, REDRAW_MS)
      draw()
    },
    end(batch) {
      current = batch
      draw()
      for (const line of summaryLines(batch, Date.now())) io.out(line)
    },
    stop() {
      clearInterval(timer)
    },
  }
}

/** A line per task as it ends (skipped ones at once), then the summary. */
function lineDisplay(io: Output): Display {
  const shown = new Set<number>()
  return {
    show: (batch) => newlyEnded(batch, shown).forEach((task) => io.out(endedLine(task, Date.now()))),
    end(batch) {
      this.show(batch)
      for (const line of summaryLines(batch, Date.now())) io.out(line)
    },
    stop() {},
  }
}

/** A JSON object per task as it ends, then the summary as one. */
function jsonDisplay(io: Output): Display {
  const shown = new Set<number>()
  return {
    show: (batch) => newlyEnded(batch, shown).forEach((task) => io.out(JSON.stringify({ type: "task", batch: batch.id, ...task }))),
    end(batch) {
      this.show(batch)
      io.out(JSON.stringify(summary(batch, Date.now())))
    },
    stop() {},
  }
}

async function list(io: Output, options: { json?: boolean }, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const { batches } = unwrap(connection, await listBatches({ client: connection.client }))
  if (options.json) return io.printJson(batches)
  if (batches.length === 0) return io.note("no batches yet (run one with: iterate batch tasks.jsonl)")
  const now = Date.now()
  // The node matters once there is more than one: a fleet's nodes make batches, and take over those of nodes that died.
  const nodes = new Set(batches.map((b) => b.node)).size > 1
  io.printTable(
    ["ID", "SOURCE", "STATE", "TASKS", "TIME", "DIRECTORY", ...(nodes ? ["NODE"] : [])],
    batches.map((b) => {
      const { counts } = b
      const tally = [
        `${counts.done} done`,
        counts.failed && `${counts.failed} failed`,
        counts.running && `${counts.running} running`,
        counts.queued && `${counts.queued} queued`,
        counts.skipped && `${counts.skipped} skipped`,
        counts.cancelled && `${counts.cancelled} cancelled`,
      ]
      return [
        b.id,
        b.source ?? "-",
        b.cancelledAt ? "cancelled" : b.endedAt ? "ended" : "running",
        `${counts.total}: ${tally.filter(Boolean).join(", ")}`,
        elapsed(b.createdAt, b.endedAt, now),
        b.directory,
        ...(nodes ? [b.node] : []),
      ]
    }),
  )
}

async function show(io: Output, id: string, options: { json?: boolean; follow?: boolean }, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const batch = unwrap(connection, await getBatch({ client: connection.client, path: { batch: id } }), { notFound: `no batch ${id} (see: iterate batches)` }) as Batch
  if (options.follow && !batch.endedAt) return follow(io, command, batch, options.json === true)
  if (options.json) return io.printJson(batch)
  io.printTable(TABLE_HEADER, tableRows(batch, Date.now()))
  if (batch.endedAt) for (const line of summaryLines(batch, Date.now())) io.out(line)
  else io.hint(`it runs: ${batch.counts.running} at work, ${batch.counts.queued} queued (follow it: iterate batches ${batch.id} --follow)`)
  if (options.follow && !summary(batch, Date.now()).ok) process.exitCode = EXIT.failure
}

// A batch's id: `b` and six letters or digits (src/agents/batch/batches.ts).
const BATCH_ID = /^b[a-z0-9]{6}$/

/** The batch id given on the command line; anything else names no batch (exit 1, as an unknown one). */
export function batchId(value: string): string {
  if (!BATCH_ID.test(value)) throw new CliError(`no batch ${value}: a batch's id is b and six letters or digits (see: iterate batches)`)
  return value
}

async function cancel(io: Output, id: string, options: { json?: boolean }, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const batch = unwrap(connection, await cancelBatch({ client: connection.client, path: { batch: id } }), { notFound: `no batch ${id} (see: iterate batches)` }) as Batch
  printCancelled(io, batch, options)
}

export function printCancelled(io: Output, batch: Batch, options: { json?: boolean }): void {
  if (options.json) io.printJson(batch)
  else io.out(cancelledLine(batch))
}

export function registerBatch(program: Command, io: Output): void {
  program
    .command("batch")
    .argument("<file>", "the tasks, one a line: a JSON object {prompt, name?, harness?, model?} or a prompt; - reads them from stdin")
    .description("run a batch of tasks: each an agent of its own in its own worktree, a few at once, with live progress and a summary")
    .option("--parallel <n>", "how many tasks run at once (default 4)", integer("--parallel", 1, 64))
    .option("--harness <name>", "the harness of tasks that name none (default opencode)")
    .option("--model <provider/model>", "the model of tasks that name none")
    .option("--permissions <policy>", "each agent's permission policy: allow-edits (the default), allow-all, ask, deny", policy)
    .option("--no-worktree", "the agents work in the directory itself, not each in a worktree of its own")
    .option("--dir <path>", "where the agents work: the checkout their worktrees are made from", ".")
    .option("--json", "print a JSON object per task as it ends, then the summary as one")
    .addHelpText(
      "after",
      `
The batch lives in the daemon: Ctrl-C leaves it running (follow it again with iterate batches ID
--follow). Each task's agent is named by the task's "name", or after its prompt; running the same
file again skips the tasks that ran before, as long as their agents are there (remove one to run
its task again). Unattended agents allow file edits (--permissions allow-edits); a command they
want to run waits for an answer (iterate permissions), unless --permissions allow-all. Exits 1
when a task failed.

tasks.jsonl:
  {"prompt": "add a --verbose flag", "name": "verbose-flag"}
  {"prompt": "write tests for the parser", "harness": "claude"}
  fix the typo in the README

Examples:
  iterate batch tasks.jsonl
  iterate batch tasks.jsonl --parallel 8 --permissions allow-all
  printf 'add a --verbose flag\\nupdate the changelog\\n' | iterate batch - --json
  iterate batch tasks.jsonl --no-worktree --dir ~/src/app`,
    )
    .action((file, options, command) => run(io, file, options, command))

  const batches = program.command("batches").description("list batches, show one batch's tasks, or cancel one")
  batches
    .command("list", { isDefault: true })
    .argument("[batch]", "a batch's id: its tasks")
    .description("list batches, or show one batch's tasks")
    .option("--json", "print JSON")
    .option("-f, --follow", "with a batch: follow it live until it ends, as iterate batch does")
    .addHelpText(
      "after",
      "\nExamples:\n  iterate batches\n  iterate batches bk3x9qa\n  iterate batches bk3x9qa --follow\n  iterate batches --json | jq '.[] | select(.endedAt == null) | .id'",
    )
    .action((id: string | undefined, options, command) => (id === undefined ? list(io, options, command) : show(io, id, options, command)))

  batches
    .command("cancel")
    .argument("<batch>", "the batch's id", batchId)
    .description("cancel a batch: its queued tasks never start, the turns of those at work are aborted, and it ends")
    .option("--json", "print the batch as it ended, as JSON")
    .addHelpText(
      "after",
      `
Every task that had not ended is cancelled. The agents of those that were at work stay, with their
worktrees, so what they did can still be reviewed (iterate diff), merged (iterate merge) or removed
(iterate agents rm). Running the same file again runs the tasks that never had an agent; the others
count as ran (skipped), as long as their agents are there. Exits 1 when the batch is unknown or has
ended already.

Examples:
  iterate batches cancel bk3x9qa
  iterate batches cancel bk3x9qa --json | jq .counts`,
    )
    .action((id: string, options, command) => cancel(io, id, options, command))
}
