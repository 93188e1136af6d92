import type { Command } from "commander"
import type { Output } from "../client/output.ts"
import { EXIT } from "../errors.ts"
import { addServeOptions, toServeOptions } from "./serve-options.ts"

export function registerServe(program: Command, io: Output): void {
  addServeOptions(program.command("serve").description("run the daemon in the foreground (the CLI starts one in the background by itself)"))
    .addHelpText(
      "after",
      `
Examples:
  iterate serve                                   # loopback, random port, token in daemon.json
  iterate serve --port 4096 --cors http://localhost:5173
  ITERATE_SERVER_PASSWORD=secret iterate serve --hostname 0.0.0.0 --port 4096 --public-url https://vps.example.com`,
    )
    .action(async (options) => {
      // The server, SQLite and Hono load only here, never on the client path.
      const { serve } = await import("../server/serve.ts")
      const serveOptions = toServeOptions(options)
      try {
        await serve(serveOptions)
      } catch (error) {
        // A daemon that could not start (its port taken, its store out of reach) may already hold
        // the data folder's record timer, databases and its watchdog: exiting releases them all.
        io.note(`iterate: ${(error as Error).message}`)
        process.exit(EXIT.failure)
      }
      // Stopped: everything is stored and every harness process gone. A timer or socket left
      // behind must not keep the process (and `iterate server stop`, which waits for it) up.
      process.exit(0)
    })
}
