// How this daemon starts pi: the program found once per harness, run (when it is a script) by the
// configured runtime through our launcher, with the permission extension written to the data
// folder, in the environment harness processes start from.
import type { HarnessContext } from "../harness.ts"
import { installAssets } from "./assets.ts"
import { type PiCommand, piCommand, type PiProgram } from "./binary.ts"
import { MARKER_ENV } from "./orphans.ts"

export interface Launch {
  argv: string[]
  /** the complete environment */
  env: Record<string, string | undefined>
}

export class PiLauncher {
  constructor(
    readonly program: PiProgram,
    private readonly runtime: string | undefined,
    private readonly context: HarnessContext,
  ) {}

  /** Throws PiNotFoundError when the configured runtime is missing. */
  command(): PiCommand & { extension: string } {
    const assets = installAssets(this.context.dataDir)
    return { ...piCommand(this.program, this.runtime, this.context.env.PATH, assets), extension: assets.extension }
  }

  /** pi with `args`, in the environment harness processes start from. */
  run(args: string[], command = this.command()): Launch {
    return { argv: [...command.argv, ...args], env: { ...this.context.env, BUN_BE_BUN: undefined, ...command.env } }
  }

  /** `pi --mode rpc` with our permission extension, marked as ours (see orphans.ts). */
  rpc(args: string[]): Launch {
    const command = this.command()
    const launch = this.run(["--mode", "rpc", "-e", command.extension, ...args], command)
    return { ...launch, env: { ...launch.env, [MARKER_ENV]: command.extension } }
  }

  /** Pi's TUI with `args`; `env` is what it adds to the caller's environment. */
  interactive(args: string[]): { argv: string[]; env: Record<string, string> } {
    const command = this.command()
    return { argv: [...command.argv, ...args], env: command.env }
  }
}
