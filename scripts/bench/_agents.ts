// Shared by the benchmarks that run agents: a throwaway home whose daemon runs the opencode of the
// devDependency, with the LLM stub as the model and opencode kept off the network.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { LlmStub } from "../../test/support/llm-stub.ts"
import { OPENCODE_ENV, testOpencodeBinary } from "../../test/support/opencode-project.ts"
import { BINARY } from "./_support.ts"

export interface AgentHome {
  root: string
  env: Record<string, string | undefined>
  stub: LlmStub
  opencode: string
  /** runs `iterate` in `cwd` to completion; fails with its stderr */
  iterate(args: string[], cwd?: string): Promise<string>
}

/** `opencode` is config.json's `harnesses.opencode` section, besides the binary. */
export function agentHome(name: string, opencode: Record<string, unknown> = {}): AgentHome {
  const root = mkdtempSync(join(tmpdir(), `iterate-bench-${name}-`))
  mkdirSync(join(root, "config", "iterate"), { recursive: true })
  const binary = testOpencodeBinary()
  writeFileSync(join(root, "config", "iterate", "config.json"), JSON.stringify({ harnesses: { opencode: { binary, ...opencode } } }))
  const env: Record<string, string | undefined> = {
    ...process.env,
    HOME: root,
    XDG_STATE_HOME: join(root, "state"),
    XDG_DATA_HOME: join(root, "data"),
    XDG_CONFIG_HOME: join(root, "config"),
    XDG_CACHE_HOME: join(root, "cache"),
    NO_COLOR: "1",
    ...OPENCODE_ENV,
  }
  // Never spawnSync here: the stub answering the model calls lives in this process's event loop.
  const iterate = async (args: string[], cwd = root) => {
    const child = Bun.spawn([BINARY, ...args], { env, cwd, stderr: "pipe" })
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
    if (code !== 0) throw new Error(`iterate ${args.join(" ")} failed: ${stderr}`)
    return stdout
  }
  return { root, env, stub: new LlmStub().start(), opencode: binary, iterate }
}
