import { type Command, InvalidArgumentError } from "commander"
import { resolvePaths } from "../paths/index.ts"
import { probeServer } from "../client/remotes/probe.ts"
import { LOCAL, nameProblem, RemoteStore } from "../client/remotes/store.ts"
import { CliError, EXIT } from "../errors.ts"
import type { Output } from "../client/output.ts"
import { secretFromStdin, secretFromTerminal } from "./password.ts"

const store = () => new RemoteStore(resolvePaths())

const noRemote = (name: string) => `no remote named ${name} (see: iterate remote list)`

/** An http(s) URL without a trailing slash, so paths join onto it cleanly. */
function serverUrl(value: string): string {
  const url = URL.canParse(value) ? new URL(value) : undefined
  if (url?.protocol !== "http:" && url?.protocol !== "https:") throw new InvalidArgumentError("the URL must start with http:// or https://")
  return url.href.replace(/\/+$/, "")
}

function remoteName(value: string): string {
  const problem = nameProblem(value)
  if (problem) throw new InvalidArgumentError(problem)
  return value
}

async function password(io: Output, name: string, url: string, fromStdin: boolean | undefined): Promise<string> {
  let secret: string
  if (fromStdin) secret = await secretFromStdin()
  else if (process.stdin.isTTY) secret = await secretFromTerminal(io, `password for ${name} (${url}): `)
  else throw new CliError("no terminal to ask for the password on: pipe it in with --password-stdin", EXIT.usage)
  if (!secret) throw new CliError("the password is empty", EXIT.usage)
  return secret
}

async function add(io: Output, name: string, url: string, options: { passwordStdin?: boolean }): Promise<void> {
  const secret = await password(io, name, url, options.passwordStdin)
  const probe = await probeServer(url, secret)
  if (probe.reachable && !probe.authorized) throw new CliError(`${url} refused the password; nothing was saved`)
  const replaced = store().add(name, url, secret)
  if (!probe.reachable) io.note(`warning: ${url} does not answer (${probe.reason}); saved anyway`)
  const version = probe.reachable ? `, iterate ${probe.version}` : ""
  io.note(`${replaced ? "updated" : "added"} remote ${name} (${url}${version}); use it with --server ${name}, or by default after: iterate remote use ${name}`)
}

function list(io: Output, options: { json?: boolean }): void {
  const file = store().read()
  const rows = [
    { name: LOCAL, url: null as string | null, current: file.default === undefined },
    ...Object.entries(file.remotes).map(([name, { url }]) => ({ name, url, current: file.default === name })),
  ]
  if (options.json) io.printJson(rows)
  else io.printTable(["NAME", "URL"], rows.map((r) => [r.current ? `${r.name} *` : r.name, r.url ?? "the local daemon"]))
  const override = process.env.ITERATE_SERVER_URL
  if (override) io.note(`ITERATE_SERVER_URL is set, so commands without --server use ${override}`)
}

function remove(io: Output, name: string): void {
  const remotes = store()
  const wasDefault = remotes.read().default === name
  if (!remotes.remove(name)) throw new CliError(noRemote(name))
  io.note(`removed remote ${name} and its password${wasDefault ? "; commands use the local daemon again" : ""}`)
}

function use(io: Output, name: string): void {
  const remotes = store()
  if (name === LOCAL) {
    remotes.use(LOCAL)
    io.note("commands without --server use the local daemon")
  } else {
    const remote = remotes.get(name)
    if (!remote) throw new CliError(noRemote(name))
    remotes.use(name)
    io.note(`commands without --server use ${name} (${remote.url})`)
  }
  if (process.env.ITERATE_SERVER_URL) io.note(`note: ITERATE_SERVER_URL is set in this shell and wins over this (${process.env.ITERATE_SERVER_URL})`)
}

export function registerRemote(program: Command, io: Output): void {
  const remote = program
    .command("remote")
    .description("named iterate servers: add, list, remove, and which one commands use by default")
    .addHelpText(
      "after",
      `
--server takes a remote's name as well as a URL; ITERATE_SERVER_URL (a name or a URL) wins over
the default that \`remote use\` sets.

Examples:
  iterate remote add prod https://iterate.example.com
  iterate --server prod agents
  iterate remote use prod && iterate agents
  iterate remote use local`,
    )

  remote
    .command("add")
    .argument("<name>", "what to call it: letters, digits, . _ -", remoteName)
    .argument("<url>", "where its iterate serve listens (http:// or https://)", serverUrl)
    .description("store a server and its password (asked for without echo); replaces one of the same name")
    .option("--password-stdin", "read the password from stdin instead of asking")
    .addHelpText(
      "after",
      `
The password is checked against the server when it answers; a refused one is not saved. It goes to
a file of mode 0600 under ~/.config/iterate/remotes/ and is never printed.

Examples:
  iterate remote add prod https://iterate.example.com
  printf %s "$ITERATE_PROD_PASSWORD" | iterate remote add prod https://iterate.example.com --password-stdin`,
    )
    .action((name, url, options) => add(io, name, url, options))
  remote
    .command("list", { isDefault: true })
    .description("the stored servers; * marks the one commands use by default")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExamples:\n  iterate remote\n  iterate remote list --json | jq -r '.[] | select(.current) | .name'")
    .action((options) => list(io, options))
  remote
    .command("rm")
    .argument("<remote>", "a stored remote's name")
    .description("forget a server and delete its password")
    .addHelpText("after", "\nExamples:\n  iterate remote rm prod")
    .action((name) => remove(io, name))
  remote
    .command("use")
    .argument("<remote>", `a stored remote's name, or ${LOCAL} for the local daemon`)
    .description("make a server the default for commands without --server")
    .addHelpText("after", "\nExamples:\n  iterate remote use prod\n  iterate remote use local")
    .action((name) => use(io, name))
}
