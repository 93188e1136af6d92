import type { Command } from "commander"
import { connect, reconnect, type Connection } from "../daemon/connect.ts"
import { CliError, EXIT } from "./errors.ts"

function serverOption(command: Command): string | undefined {
  const server = command.optsWithGlobals<{ server?: string }>().server
  if (server !== undefined && !URL.canParse(server)) throw new CliError(`--server needs a URL, not ${server}`, EXIT.usage)
  return server
}

/** The daemon connection for a command, honouring the global --server option. */
export function connectFor(command: Command): Promise<Connection> {
  return connect({ server: serverOption(command) })
}

/** The same daemon again after a live read lost it (restart): undefined while none answers. */
export function reconnectFor(command: Command): Promise<Connection | undefined> {
  return reconnect({ server: serverOption(command) })
}

interface SdkResult<T> {
  data?: T
  error?: unknown
  response?: Response
}

/**
 * Turns an SDK result into its data, or one readable line: the server's own message for a 4xx,
 * a hint for credentials, the network error when nothing answered.
 */
export function unwrap<T>(connection: Connection, result: SdkResult<T>, hints: { notFound?: string } = {}): T {
  const { error, response } = result
  if (error === undefined && response?.ok) return result.data as T
  if (!response) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new CliError(`cannot reach the daemon at ${connection.url}: ${reason}`)
  }
  if (response.status === 401)
    throw new CliError(
      connection.record
        ? "the daemon refused this client's token; restart it with: iterate server restart"
        : `unauthorized — check ITERATE_SERVER_PASSWORD (${connection.url} refused the credentials)`,
    )
  if (response.status === 404 && hints.notFound) throw new CliError(hints.notFound)
  const message = (error as { error?: { message?: string } } | undefined)?.error?.message
  throw new CliError(message ?? `the daemon answered ${response.status} ${response.statusText}`)
}
