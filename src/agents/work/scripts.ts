// Running iterate.json's setup and archive commands in an agent's worktree, with the checkout,
// the worktree and the agent in the environment, their output (stdout and stderr as they come)
// on the agent's stream between a start and an end event.
import {
  AGENT_EVENT,
  type ScriptEndedPayload,
  type ScriptOutputPayload,
  type ScriptStartedPayload,
  type WorktreeScript,
} from "../../protocol/agent-events.ts"
import { killTree } from "../../harness/process/tree.ts"
import type { EventInput } from "../../streams/events.ts"
import type { AgentRecord, AgentWorktree } from "../store.ts"
import { worktreeScripts } from "./config.ts"

/** How much of a command's output goes on the stream; the rest is counted, not kept. */
const OUTPUT_LIMIT = 1024 * 1024

export interface ScriptOutcome {
  ok: boolean
  /** one line, when it failed: which command, how it ended, the last line it printed */
  problem?: string
}

/**
 * Runs the repository's `script` command in the agent's worktree; undefined when iterate.json
 * names none. `emit` puts each event on the agent's stream. `signal` stops the command and all
 * it started (the daemon is stopping).
 */
export async function runWorktreeScript(
  agent: Pick<AgentRecord, "id" | "name"> & { worktree: AgentWorktree },
  script: WorktreeScript,
  emit: (event: EventInput) => void,
  env: Record<string, string | undefined> = process.env,
  signal?: AbortSignal,
): Promise<ScriptOutcome | undefined> {
  const { worktree } = agent
  const command = worktreeScripts(worktree.root)[script]
  if (command === undefined) return undefined
  emit({ type: AGENT_EVENT.scriptStarted, payload: { script, command } satisfies ScriptStartedPayload })
  const started = performance.now()
  let exitCode: number | null = null
  let last = ""
  let kept = 0
  const output = (text: string) => {
    if (text === "") return
    last = text.trimEnd().split("\n").at(-1)?.trim() || last
    if (kept >= OUTPUT_LIMIT) return
    const piece = text.slice(0, OUTPUT_LIMIT - kept)
    kept += piece.length
    emit({ type: AGENT_EVENT.scriptOutput, payload: { script, text: kept >= OUTPUT_LIMIT ? `${piece}\n… (output cut at 1 MiB)\n` : piece } satisfies ScriptOutputPayload })
  }
  try {
    const child = Bun.spawn(["sh", "-c", command], {
      cwd: worktree.path,
      env: {
        ...env,
        ITERATE_ROOT_PATH: worktree.root,
        ITERATE_WORKTREE_PATH: worktree.path,
        ITERATE_AGENT: agent.name,
        ITERATE_AGENT_ID: agent.id,
        ITERATE_BRANCH: worktree.branch,
        ITERATE_BASE: worktree.base,
      },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    })
    const stop = () => void killTree(child.pid, child.exited)
    signal?.addEventListener("abort", stop, { once: true })
    await Promise.all([pipe(child.stdout, output), pipe(child.stderr, output)])
    exitCode = await child.exited
    signal?.removeEventListener("abort", stop)
  } catch (error) {
    output(`${(error as Error).message}\n`)
  }
  const durationMs = Math.round(performance.now() - started)
  emit({ type: AGENT_EVENT.scriptEnded, payload: { script, exitCode, durationMs } satisfies ScriptEndedPayload })
  if (exitCode === 0) return { ok: true }
  const how = exitCode === null ? "could not start" : `exited with ${exitCode}`
  return { ok: false, problem: `the worktree's ${script} command (${command}) ${how}${last ? `: ${last}` : ""}` }
}

async function pipe(stream: ReadableStream<Uint8Array>, output: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder()
  for await (const chunk of stream) output(decoder.decode(chunk, { stream: true }))
}
