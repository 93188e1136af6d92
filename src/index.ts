#!/usr/bin/env bun
// The entrypoint stays tiny: `--version` answers before commander or any command module loads,
// and each command group is imported only when it runs (see cli/program.ts).
import { VERSION } from "./version.ts"

const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
  process.stdout.write(VERSION + "\n")
} else {
  const { run } = await import("./cli/program.ts")
  await run(args)
}
