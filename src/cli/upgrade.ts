import { type Command, Option } from "commander"
import type { Output } from "../client/output.ts"

export function registerUpgrade(program: Command, io: Output): void {
  program
    .command("upgrade")
    .description("upgrade iterate the way it was installed (install.sh, npm or Homebrew) and stop a daemon of the old version")
    .option("--version <version>", "install this version instead of the latest release")
    .addOption(new Option("--method <method>", "upgrade this way instead of the way iterate was installed").choices(["curl", "npm", "brew"]))
    .addHelpText("after", "\nExamples:\n  iterate upgrade\n  iterate upgrade --version 0.2.0\n  iterate upgrade --method npm")
    .action(async (options) => (await import("./install/upgrade.ts")).upgrade(io, options))
  program
    .command("uninstall")
    .description("stop the daemon and remove iterate the way it was installed")
    .option("--purge", "also delete iterate's data, config, cache and state folders")
    .addHelpText("after", "\nExamples:\n  iterate uninstall\n  iterate uninstall --purge")
    .action(async (options) => (await import("./install/upgrade.ts")).uninstall(io, options))
}
