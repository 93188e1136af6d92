import type { Command } from "commander"
import { collect, integer } from "./options.ts"

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the daemon in the foreground (the CLI starts one in the background by itself)")
    .option("--port <n>", "port to listen on; 0 picks a free one", integer("--port"), 0)
    .option("--hostname <host>", "address to bind; anything but loopback needs ITERATE_SERVER_PASSWORD", "127.0.0.1")
    .option("--cors <origin>", "allow cross-origin requests from this origin (repeatable)", collect, [])
    .option("--allowed-host <name>", "also answer to this Host name, e.g. a DNS name in front of a remote server (repeatable)", collect, [])
    .option("--long-poll-timeout <ms>", "how long a live=long-poll read waits for data", integer("--long-poll-timeout", 1), 30_000)
    .option("--log-file <path>", "write the log to this file (rotated) instead of the terminal")
    .addHelpText(
      "after",
      `
Examples:
  iterate serve                                   # loopback, random port, token in daemon.json
  iterate serve --port 4096 --cors http://localhost:5173
  ITERATE_SERVER_PASSWORD=secret iterate serve --hostname 0.0.0.0 --port 4096 --allowed-host vps.example.com`,
    )
    .action(async (options) => {
      // The server, SQLite and Hono load only here, never on the client path.
      const { serve } = await import("../server/serve.ts")
      await serve({
        port: options.port,
        hostname: options.hostname,
        cors: options.cors,
        allowedHosts: options.allowedHost,
        longPollTimeoutMs: options.longPollTimeout,
        logFile: options.logFile,
      })
    })
}
