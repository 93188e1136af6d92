// Shared by the benchmarks that run agents: a throwaway home whose daemon runs the harnesses of
// the devDependencies, with a stub as the model; for OpenCode, kept off the network too. Timing
// rounds of contenders, a turn of a harness's session on its own, and cleaning up after.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Harness, HarnessSession, TurnEnd } from "../../src/harness/harness.ts"
import { LlmStub } from "../../test/support/llm-stub.ts"
import { OPENCODE_ENV, testOpencodeBinary } from "../../test/support/opencode-project.ts"
import { RecordedEvents } from "../../test/support/recorded-events.ts"
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

/** A folder `name` in the home (made now, with its parents), for an agent to work in. */
export function folderIn(home: IterateHome, name: string): string {
  const dir = join(home.root, name)
  mkdirSync(dir, { recursive: true })
  return dir
}

/** A user's setup for Claude Code (and what runs it) on the Anthropic stub at `stubUrl`: the stub as the provider, a config folder in the home. */
export const anthropicStubEnv = (stubUrl: string) => (root: string) => ({
  ANTHROPIC_BASE_URL: stubUrl,
  ANTHROPIC_API_KEY: "sk-ant-stub",
  CLAUDE_CONFIG_DIR: join(root, "claude-config"),
})

/** Stops the home's daemon, the harness and the stub; removes the harness's project and the home. */
export async function cleanUp(home: IterateHome, harness: Harness, stub: { stop(): void }, project: { root: string }): Promise<void> {
  await home.iterate(["server", "stop"]).catch(() => {})
  await harness.stop()
  stub.stop()
  rmSync(project.root, { recursive: true, force: true })
  rmSync(home.root, { recursive: true, force: true })
}

/** A session's calls, with the turn's end delivered as it comes rather than polled for. */
export class TurnEndEvents extends RecordedEvents {
  private ended: (() => void) | undefined
  override turnEnded(end: TurnEnd): void {
    super.turnEnded(end)
    this.ended?.()
  }
  /** Resolves at the next turn's end. */
  nextEnd(): Promise<void> {
    return new Promise((resolve) => (this.ended = resolve))
  }
}

/** A prompt "hi" to a harness's session until its turn is over, in ms: the figure is the session's alone. */
export async function timedTurn(session: HarnessSession, events: TurnEndEvents): Promise<number> {
  const ended = events.nextEnd()
  const start = performance.now()
  await session.prompt({ text: "hi" })
  await ended
  return performance.now() - start
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
