import { isAbsolute } from "node:path"
import { type Command, Option } from "commander"
import type { ServeOptions } from "../server/serve.ts"
import { isPostgresUrl } from "../store-url.ts"
import { CliError, EXIT } from "../errors.ts"
import { byteSize, collect, httpUrl, integer } from "./options.ts"

export const DEFAULT_MAX_BODY_SIZE = 64 * 1024 * 1024
export const DEFAULT_IDLE_TIMEOUT_S = 60
export const DEFAULT_LONG_POLL_MS = 30_000

/** The flags `iterate serve` takes; `service install` takes the same ones and writes them into the unit. */
export function addServeOptions(command: Command): Command {
  return command
    .option("--port <n>", "port to listen on; 0 picks a free one", integer("--port"), 0)
    .option("--hostname <host>", "address to bind; anything but loopback needs ITERATE_SERVER_PASSWORD", "127.0.0.1")
    .option("--cors <origin>", "allow cross-origin requests from this origin (repeatable)", collect, [])
    .option("--public-url <url>", "the URL clients use when a proxy or DNS name is in front; its host is allowed", httpUrl("--public-url"))
    .option("--allowed-host <name>", "also answer to this Host name on any port (repeatable)", collect, [])
    .option("--max-body-size <size>", "largest request body accepted; bigger ones get 413", byteSize("--max-body-size"), DEFAULT_MAX_BODY_SIZE)
    .option(
      "--idle-timeout <seconds>",
      "close a connection that sends or receives nothing for this long (live reads are exempt)",
      integer("--idle-timeout", 1, 255),
      DEFAULT_IDLE_TIMEOUT_S,
    )
    .option("--long-poll-timeout <ms>", "how long a live=long-poll read waits for data", integer("--long-poll-timeout", 1), DEFAULT_LONG_POLL_MS)
    .option("--log-file <path>", "write the log to this file (rotated) instead of the terminal")
    .option("--root <path>", "run agents under this folder (repeatable; default: config.json node.roots, else your home)", collect, [])
    .addOption(
      new Option("--store <url>", "keep streams and subscriptions in this PostgreSQL database, shared by every node given it (default: SQLite in the data folder)").env(
        "ITERATE_STORE_URL",
      ),
    )
}

interface ParsedServeOptions {
  port: number
  hostname: string
  cors: string[]
  publicUrl?: string
  allowedHost: string[]
  maxBodySize: number
  idleTimeout: number
  longPollTimeout: number
  logFile?: string
  store?: string
  root: string[]
}

export function toServeOptions(options: ParsedServeOptions): ServeOptions {
  // Checked here rather than by commander, which would repeat the value, password and all.
  if (options.store !== undefined && !isPostgresUrl(options.store))
    throw new CliError("--store (or ITERATE_STORE_URL) must be a postgres:// URL, such as postgres://user:password@host:5432/iterate", EXIT.usage)
  const relative = options.root.find((root) => !isAbsolute(root))
  if (relative !== undefined) throw new CliError(`--root must be an absolute path, not ${relative}`, EXIT.usage)
  return {
    port: options.port,
    hostname: options.hostname,
    cors: options.cors,
    publicUrl: options.publicUrl,
    allowedHosts: options.allowedHost,
    maxBodySize: options.maxBodySize,
    idleTimeoutS: options.idleTimeout,
    longPollTimeoutMs: options.longPollTimeout,
    logFile: options.logFile,
    store: options.store,
    roots: options.root,
  }
}

/**
 * The `iterate serve` arguments that reproduce these options; defaults are left out to keep units
 * readable, and so is the store, whose URL holds a password (it goes with the other secrets).
 */
export function serveArguments(options: ServeOptions): string[] {
  const args = ["serve", "--port", String(options.port), "--hostname", options.hostname]
  for (const origin of options.cors) args.push("--cors", origin)
  if (options.publicUrl) args.push("--public-url", options.publicUrl)
  for (const host of options.allowedHosts) args.push("--allowed-host", host)
  if (options.maxBodySize !== DEFAULT_MAX_BODY_SIZE) args.push("--max-body-size", String(options.maxBodySize))
  if (options.idleTimeoutS !== DEFAULT_IDLE_TIMEOUT_S) args.push("--idle-timeout", String(options.idleTimeoutS))
  if (options.longPollTimeoutMs !== DEFAULT_LONG_POLL_MS) args.push("--long-poll-timeout", String(options.longPollTimeoutMs))
  if (options.logFile) args.push("--log-file", options.logFile)
  for (const root of options.roots) args.push("--root", root)
  return args
}
