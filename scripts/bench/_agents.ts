// Shared by the benchmarks that run agents: a throwaway home whose daemon runs the harnesses of
// the devDependencies, with a stub as the model; for OpenCode, kept off the network too.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { LlmStub } from "../../test/support/llm-stub.ts"
import { OPENCODE_ENV, testOpencodeBinary } from "../../test/support/opencode-project.ts"
import { BINARY, median } from "./_support.ts"

export interface IterateHome {
  root: string
  env: Record<string, string | undefined>
  /** runs `iterate` in `cwd` to completion; fails with its stderr */
  iterate(args: string[], cwd?: string): Promise<string>
}

/**
 * A home of its own (HOME and the XDG folders) whose config.json has `harnesses`; `env` (given
 * `root`) adds what the harness needs to find its model.
 */
export function iterateHome(name: string, harnesses: Record<string, unknown>, env: (root: string) => Record<string, string | undefined> = () => ({})): IterateHome {
  const root = mkdtempSync(join(tmpdir(), `iterate-bench-${name}-`))
  mkdirSync(join(root, "config", "iterate"), { recursive: true })
  writeFileSync(join(root, "config", "iterate", "config.json"), JSON.stringify({ harnesses }))
  const homeEnv: Record<string, string | undefined> = {
    ...process.env,
    HOME: root,
    XDG_STATE_HOME: join(root, "state"),
    XDG_DATA_HOME: join(root, "data"),
    XDG_CONFIG_HOME: join(root, "config"),
    XDG_CACHE_HOME: join(root, "cache"),
    NO_COLOR: "1",
    ...env(root),
  }
  // Never spawnSync here: the stub answering the model calls lives in this process's event loop.
  const iterate = async (args: string[], cwd = root) => {
    const child = Bun.spawn([BINARY, ...args], { env: homeEnv, cwd, stderr: "pipe" })
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
    if (code !== 0) throw new Error(`iterate ${args.join(" ")} failed: ${stderr}`)
    return stdout
  }
  return { root, env: homeEnv, iterate }
}

export interface AgentHome extends IterateHome {
  stub: LlmStub
  opencode: string
}

/** `opencode` is config.json's `harnesses.opencode` section, besides the binary. */
export function agentHome(name: string, opencode: Record<string, unknown> = {}): AgentHome {
  const binary = testOpencodeBinary()
  const home = iterateHome(name, { opencode: { binary, ...opencode } }, () => OPENCODE_ENV)
  return { ...home, stub: new LlmStub().start(), opencode: binary }
}

/** Wall time of `iterate args` from spawn to exit, in ms. */
export async function timedIterate(home: IterateHome, args: string[]): Promise<number> {
  const start = performance.now()
  await home.iterate(args)
  return performance.now() - start
}

/**
 * Times each contender once a round, in turn, so that a slow patch of the machine hits them alike,
 * after `warmup` untimed rounds; `before` runs ahead of every round (to script the model). The
 * median of each, in ms.
 */
export async function rounds<K extends string>(
  contenders: Record<K, () => Promise<number>>,
  { count, warmup, before = () => {} }: { count: number; warmup: number; before?: () => void },
): Promise<Record<K, number>> {
  const names = Object.keys(contenders) as K[]
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>
  for (let round = 0; round < warmup + count; round++) {
    before()
    for (const name of names) {
      const elapsed = await contenders[name]()
      if (round >= warmup) samples[name].push(elapsed)
    }
  }
  return Object.fromEntries(names.map((name) => [name, median(samples[name])])) as Record<K, number>
}
