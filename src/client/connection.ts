import type { Command } from "commander"
import { connect, reconnect, type Connection, type ConnectOptions } from "./connect.ts"
import { resolvePaths } from "../paths/index.ts"
import { isUrl, RemoteStore } from "./remotes/store.ts"
import { CliError, EXIT } from "../errors.ts"
import type { Output } from "./output.ts"
import { spinWhile } from "./spinner.ts"

/**
 * The server `given` names (a URL or a remote's name; `from` says where it came from, for errors),
 * else the default remote (`iterate remote use`), else the local daemon (undefined).
 */
export function resolveTarget(given: string | undefined, from = "--server"): ConnectOptions | undefined {
  if (given !== undefined && isUrl(given)) {
    if (!URL.canParse(given)) throw new CliError(`${from} needs a URL or a remote's name, not ${given}`, EXIT.usage)
    return { server: given }
  }
  const store = new RemoteStore(resolvePaths())
  const name = given ?? store.read().default
  if (name === undefined) return undefined
  const remote = store.get(name)
  if (!remote) {
    const source = given === undefined ? "the default remote" : `${from} ${name}`
    throw new CliError(`${source} is no remote iterate knows (see: iterate remote list)`, given === undefined ? EXIT.failure : EXIT.usage)
  }
  return { server: remote.url, password: remote.password, name: remote.name }
}

/** The server of a command: --server, else ITERATE_SERVER_URL (commander reads both), else as resolveTarget. */
function target(command: Command): ConnectOptions | undefined {
  const given = command.optsWithGlobals<{ server?: string }>().server
  return resolveTarget(given, command.getOptionValueSourceWithGlobals("server") === "env" ? "ITERATE_SERVER_URL" : "--server")
}

// Said once per process, however many connections a command opens.
let announced = false

function announce(io: Output, options: ConnectOptions): void {
  if (announced || !io.stderr.isTTY) return
  announced = true
  io.hint(`→ ${options.name ? `${options.name} (${options.server})` : options.server}`)
}

/** The daemon connection for a command, honouring --server, ITERATE_SERVER_URL and the default remote. */
export async function connectFor(io: Output, command: Command): Promise<Connection> {
  const remote = target(command)
  if (remote) {
    announce(io, remote)
    return connect(io, remote)
  }
  // Reusing a running daemon takes a few milliseconds; only a start lasts long enough to show.
  return spinWhile(io, "starting the daemon…", () => connect(io))
}

/** The same daemon again after a live read lost it (restart): undefined while none answers. */
export function reconnectFor(command: Command): Promise<Connection | undefined> {
  return reconnect(target(command))
}

interface SdkResult<T> {
  data?: T
  error?: unknown
  response?: Response
}

function unauthorized(connection: Connection): string {
  if (connection.record) return "the daemon refused this client's token; restart it with: iterate server restart"
  if (connection.name)
    return `unauthorized — ${connection.name} (${connection.url}) refused the stored password; store the right one with: iterate remote add ${connection.name} ${connection.url}`
  return `unauthorized — check ITERATE_SERVER_PASSWORD (${connection.url} refused the credentials)`
}

/**
 * Turns an SDK result into its data, or one readable line: the server's own message for a 4xx
 * (exit 2 for the error codes in `usage`), a hint for credentials, the network error when nothing
 * answered.
 */
export function unwrap<T>(connection: Connection, result: SdkResult<T>, hints: { notFound?: string; usage?: readonly string[] } = {}): T {
  const { error, response } = result
  if (error === undefined && response?.ok) return result.data as T
  if (!response) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new CliError(`cannot reach the daemon at ${connection.url}: ${reason}`)
  }
  if (response.status === 401) throw new CliError(unauthorized(connection))
  if (response.status === 404 && hints.notFound) throw new CliError(hints.notFound)
  const body = (error as { error?: { code?: string; message?: string } } | undefined)?.error
  // Refusals that mean the command was given the wrong thing are usage errors (exit 2).
  const code = body?.code !== undefined && hints.usage?.includes(body.code) ? EXIT.usage : EXIT.failure
  throw new CliError(body?.message ?? `the daemon answered ${response.status} ${response.statusText}`, code)
}
