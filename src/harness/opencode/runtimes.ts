// One opencode per working directory: agents in the same directory share a server (opencode
// keeps their sessions apart), agents in different directories never do.
import { realpathSync } from "node:fs"
import { OpencodeRuntime, type OpencodeRuntimeOptions } from "./runtime.ts"

export class OpencodeRuntimes {
  private readonly byDirectory = new Map<string, OpencodeRuntime>()

  constructor(private readonly options: Omit<OpencodeRuntimeOptions, "directory">) {}

  /** The runtime of `directory`, made on first use; nothing starts until it is used. */
  for(directory: string): OpencodeRuntime {
    const key = realDirectory(directory)
    let runtime = this.byDirectory.get(key)
    if (!runtime) {
      runtime = new OpencodeRuntime({ ...this.options, directory: key })
      this.byDirectory.set(key, runtime)
    }
    return runtime
  }

  /** Stops every server, e.g. when the daemon shuts down. */
  async stopAll(): Promise<void> {
    const runtimes = [...this.byDirectory.values()]
    this.byDirectory.clear()
    await Promise.all(runtimes.map((runtime) => runtime.stop()))
  }
}

function realDirectory(directory: string): string {
  try {
    return realpathSync(directory)
  } catch {
    throw new Error(`working directory ${directory} does not exist`)
  }
}
