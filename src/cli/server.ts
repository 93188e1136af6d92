import { existsSync, openSync, readSync, statSync, closeSync } from "node:fs"
import type { Command } from "commander"
import { ensureDaemon } from "../client/connect.ts"
import { findLocalDaemon, stopLocalDaemon } from "../client/local.ts"
import { sleep } from "../os/process.ts"
import { resolvePaths } from "../paths/index.ts"
import { isService, restartService, stopService } from "./service/control.ts"
import { CliError, EXIT } from "../errors.ts"
import type { Output } from "../client/output.ts"
import { duration } from "../client/output.ts"
import { integer } from "./options.ts"

// Server management acts on the local daemon only (ITERATE_SERVER_URL does not redirect it), and
// never starts one except `server start`.
function localOnly(command: Command): void {
  if (command.getOptionValueSourceWithGlobals("server") === "cli")
    throw new CliError(`iterate server ${command.name()} manages the local daemon; it does not take --server`, EXIT.usage)
}

async function status(io: Output, options: { json?: boolean }, command: Command): Promise<void> {
  localOnly(command)
  const daemon = await findLocalDaemon(resolvePaths())
  if (!daemon) {
    if (options.json) io.printJson({ running: false })
    else io.out("not running")
    process.exitCode = EXIT.notRunning
    return
  }
  const { url, pid, version, startedAt, service } = daemon
  const uptimeMs = Date.now() - Date.parse(startedAt)
  if (options.json) {
    io.printJson({ running: true, url, pid, version, startedAt, uptimeMs, ...(service && { service }) })
    return
  }
  io.out(`running  ${url}  pid ${pid}  version ${version}  up ${duration(uptimeMs)}${service ? `  (${service} service)` : ""}`)
  // It puts the record back by itself within a second; this only explains a moment's surprise.
  if (!daemon.record) io.note("its record (daemon.json) is missing or names another daemon; the daemon is rewriting it")
}

async function start(io: Output, command: Command): Promise<void> {
  localOnly(command)
  const record = await ensureDaemon(io)
  io.out(record.url)
}

async function stop(io: Output, command: Command): Promise<void> {
  localOnly(command)
  const daemon = await findLocalDaemon(resolvePaths())
  if (!daemon) return io.note("no daemon was running")
  if (isService(daemon)) return stopService(io, daemon)
  await stopLocalDaemon(daemon)
  io.note(`stopped the daemon (pid ${daemon.pid})`)
}

async function restart(io: Output, command: Command): Promise<void> {
  localOnly(command)
  const paths = resolvePaths()
  const daemon = await findLocalDaemon(paths)
  // A service's daemon comes back under its manager, not as one the CLI started.
  if (daemon && isService(daemon)) return io.out((await restartService(paths, daemon)).url)
  if (daemon) {
    await stopLocalDaemon(daemon)
    io.note(`stopped the daemon (pid ${daemon.pid})`)
  }
  io.out((await ensureDaemon(io, paths)).url)
}

function readFrom(path: string, start: number): { text: string; end: number } {
  const fd = openSync(path, "r")
  try {
    const size = statSync(path).size
    const buffer = Buffer.alloc(Math.max(0, size - start))
    const read = readSync(fd, buffer, 0, buffer.length, start)
    return { text: buffer.subarray(0, read).toString("utf8"), end: start + read }
  } finally {
    closeSync(fd)
  }
}

async function logs(io: Output, options: { follow?: boolean; lines: number }, command: Command): Promise<void> {
  localOnly(command)
  const path = resolvePaths().daemonLog
  if (!existsSync(path)) {
    if (!options.follow) throw new CliError(`no daemon log yet (${path})`)
  }
  let position = 0
  if (existsSync(path)) {
    const { text, end } = readFrom(path, 0)
    const lines = text.split("\n")
    if (lines[lines.length - 1] === "") lines.pop()
    const tail = lines.slice(-options.lines)
    if (tail.length) io.write(tail.join("\n") + "\n")
    position = end
  }
  if (!options.follow) return
  for (;;) {
    await sleep(200)
    if (!existsSync(path)) continue
    // A smaller file means it was rotated: start again from its beginning.
    if (statSync(path).size < position) position = 0
    const { text, end } = readFrom(path, position)
    if (text) io.write(text)
    position = end
  }
}

export function registerServer(program: Command, io: Output): void {
  const server = program
    .command("server")
    .description("manage the local background daemon")
    .addHelpText("after", "\nExamples:\n  iterate server status\n  iterate server logs -f\n  iterate server restart")

  server
    .command("status")
    .description("whether the daemon runs: url, pid, version, uptime (exit 3 when it does not)")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExamples:\n  iterate server status\n  iterate server status --json | jq .url")
    .action((options, command) => status(io, options, command))
  server
    .command("start")
    .description("start the background daemon if it is not running; prints its URL")
    .addHelpText("after", "\nExamples:\n  iterate server start")
    .action((_, command) => start(io, command))
  server
    .command("stop")
    .description("stop the background daemon gracefully and remove its record")
    .addHelpText("after", "\nExamples:\n  iterate server stop")
    .action((_, command) => stop(io, command))
  server
    .command("restart")
    .description("stop the daemon if it runs, then start a new one")
    .addHelpText("after", "\nExamples:\n  iterate server restart")
    .action((_, command) => restart(io, command))
  server
    .command("logs")
    .description("print the daemon log")
    .option("-f, --follow", "keep printing new lines")
    .option("-n, --lines <n>", "how many lines from the end", integer("--lines"), 50)
    .addHelpText("after", "\nExamples:\n  iterate server logs -n 200\n  iterate server logs -f")
    .action((options, command) => logs(io, options, command))
}
