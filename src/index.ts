#!/usr/bin/env bun
// The entrypoint stays tiny: `--version` answers before commander or any command module loads,
// and the CLI itself is a separate chunk of the compiled binary (bun build --splitting).
import { VERSION } from "./version.ts"

const args = process.argv.slice(2)
if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) process.stdout.write(VERSION + "\n")
else void import("./cli/program.ts").then(({ run }) => run(args))
