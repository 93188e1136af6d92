// Finding pi and what runs it. npm installs Pi (`@mariozechner/pi-coding-agent`) as a JS package
// whose `pi` bin is a symlink to dist/cli.js (no postinstall involved); Pi's releases also ship a
// standalone Bun-compiled `pi`. A CLI script is run by a runtime of our choosing rather than by
// its `#!/usr/bin/env node` line: under Bun a first turn takes ≈0.8 s, under Node ≈2 s.
//
// The runtime is iterate's own Bun by default: the compiled iterate binary acts as the `bun` CLI
// when started with BUN_BE_BUN=1 (from source, process.execPath is bun itself, which ignores the
// variable), so a user needs neither Bun nor Node. `harnesses.pi.runtime` picks another.
import { accessSync, closeSync, constants, openSync, readSync, realpathSync, statSync } from "node:fs"
import { basename } from "node:path"
import { HarnessProblemError } from "../problem.ts"
import type { PiAssets } from "./assets.ts"

export const PACKAGE = "@mariozechner/pi-coding-agent"
export const INSTALL_COMMAND = `npm install -g ${PACKAGE}`

/** No pi (or nothing to run it) here: `problem` says why, `fix` is the command that fixes it. */
export class PiNotFoundError extends HarnessProblemError {}

export interface PiProgram {
  path: string
  /** a JS CLI script to be run by a runtime, rather than an executable */
  script: boolean
}

/** The pi to run: `configured` (harnesses.pi.binary) if given, else `pi` on PATH. Throws PiNotFoundError. */
export function findPi(configured: string | undefined, path: string | undefined): PiProgram {
  if (configured) {
    const program = classify(configured)
    // Unset, pi is looked for on PATH; `iterate config set` points it elsewhere instead.
    if (!program) throw new PiNotFoundError(`harnesses.pi.binary is set to ${configured}, which is neither pi's CLI script nor an executable`, "iterate config unset harnesses.pi.binary")
    return program
  }
  const onPath = Bun.which("pi", { PATH: path ?? "" })
  const program = onPath ? classify(onPath) : undefined
  const problem = "pi is not installed (not found on PATH)"
  if (!program) throw new PiNotFoundError(problem, INSTALL_COMMAND, `${problem}: install it with \`${INSTALL_COMMAND}\``)
  return program
}

function classify(file: string): PiProgram | undefined {
  let real: string
  try {
    real = realpathSync(file)
    if (!statSync(real).isFile()) return undefined
  } catch {
    return undefined
  }
  if (/\.[cm]?js$/.test(real) || /^#!.*\bnode\b/.test(head(real))) return { path: real, script: true }
  try {
    accessSync(real, constants.X_OK)
    return { path: file, script: false }
  } catch {
    return undefined
  }
}

function head(file: string): string {
  const fd = openSync(file, "r")
  try {
    const buffer = Buffer.alloc(128)
    return buffer.subarray(0, readSync(fd, buffer, 0, 128, 0)).toString("latin1").split("\n")[0]!
  } finally {
    closeSync(fd)
  }
}

export interface PiCommand {
  /** what to run before pi's own arguments */
  argv: string[]
  /** added to the environment */
  env: Record<string, string>
  /** e.g. "bun 1.4.5 (iterate's own)", for `iterate harnesses` */
  runtime?: string
}

/** How to start `program`: directly, or its script through the runtime and our launcher. Throws PiNotFoundError for a runtime that is not there. */
export function piCommand(program: PiProgram, runtime: string | undefined, path: string | undefined, assets: PiAssets): PiCommand {
  if (!program.script) return { argv: [program.path], env: {} }
  const executable = runtime ? resolveRuntime(runtime, path) : process.execPath
  const node = /^node(\.exe)?$/i.test(basename(executable))
  const description = runtime ? `${basename(executable)} (${executable})` : `bun ${Bun.version} (iterate's own)`
  return { argv: [executable, assets.launcher, program.path], env: node ? {} : { BUN_BE_BUN: "1" }, runtime: description }
}

function resolveRuntime(runtime: string, path: string | undefined): string {
  const found = runtime.includes("/") || runtime.includes("\\") ? runtime : Bun.which(runtime, { PATH: path ?? "" })
  try {
    if (found) {
      accessSync(found, constants.X_OK)
      return found
    }
  } catch {
    // reported below
  }
  // Unset, iterate's own Bun runs pi, and that is always there.
  const problem = `harnesses.pi.runtime is set to ${runtime}, which is not an executable here`
  throw new PiNotFoundError(problem, "iterate config unset harnesses.pi.runtime", `${problem}: set it to bun, node or a path to one, or unset it`)
}
