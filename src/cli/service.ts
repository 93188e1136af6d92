import type { Command } from "commander"
import type { Output } from "../client/output.ts"
import { addServeOptions } from "./serve-options.ts"

// The work lives in src/cli/service and loads only when a service command runs.
const service = () => import("./service/service.ts")

export function registerService(program: Command, io: Output): void {
  const command = program
    .command("service")
    .description("run the daemon as a systemd user service (Linux) or launchd agent (macOS) that restarts on failure")
    .addHelpText(
      "after",
      `
Examples:
  iterate service install --port 4096
  ITERATE_SERVER_PASSWORD=secret iterate service install --hostname 0.0.0.0 --port 4096 --public-url https://vps.example.com
  iterate service status
  iterate service uninstall`,
    )

  addServeOptions(
    command
      .command("install")
      .description("write the unit (or agent) that runs `iterate serve` with these flags, then enable and start it"),
  )
    .option("--dry-run", "print the file and what would be done; change nothing")
    .addHelpText(
      "after",
      `
The daemon logs to the daemon log (iterate server logs) unless --log-file is given. PATH and the
XDG folders are copied from this shell; ITERATE_SERVER_PASSWORD and ITERATE_SERVER_USERNAME go to a
mode 0600 file beside config.json (Linux) or into the mode 0600 plist (macOS), never into the unit.

Examples:
  iterate service install --port 4096
  iterate service install --port 4096 --dry-run
  ITERATE_SERVER_PASSWORD=secret iterate service install --hostname 0.0.0.0 --port 4096`,
    )
    .action(async (options) => (await service()).install(io, options))

  command
    .command("uninstall")
    .description("stop and disable the service and remove its files")
    .option("--dry-run", "print what would be done; change nothing")
    .addHelpText("after", "\nExamples:\n  iterate service uninstall\n  iterate service uninstall --dry-run")
    .action(async (options) => (await service()).uninstall(io, options))

  command
    .command("status")
    .description("whether the service is installed (exit 3 when not) and what systemd or launchd says about it")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExamples:\n  iterate service status\n  iterate service status --json | jq .state")
    .action(async (options) => (await service()).status(io, options))
}
