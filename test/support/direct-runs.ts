// Running a harness directly, as a person does in a terminal, without iterate: the sessions these
// runs leave where the harness keeps them are what `iterate import` reads. Each harness talks to a
// scripted model server the caller owns (anthropic-stub.ts, responses-stub.ts, llm-stub.ts) through
// the environment it is given.
import { Database } from "bun:sqlite"
import { rmSync } from "node:fs"
import { join } from "node:path"
import { OFFLINE_ENV } from "../../src/harness/claude/index.ts"
import { testClaudeBinary } from "./claude-project.ts"
import { testCodexBinary } from "./codex-project.ts"
import { testOpencodeBinary } from "./opencode-project.ts"
import { type Result, run } from "./run-process.ts"

/** Where a harness runs: the folder, and the environment that says where it keeps its sessions and which model server it talks to. */
export interface Direct {
  cwd: string
  env: Record<string, string | undefined>
}

/**
 * The main of a script recording session fixtures: each scenario (those named on its command line,
 * else all) run in a throwaway place `make` gives, then saved by `save` (which says what it wrote);
 * the place is removed after.
 */
export async function recordEach(scenarios: Record<string, (where: Direct) => Promise<void>>, make: () => { root: string; where: Direct }, save: (name: string, root: string, where: Direct) => string): Promise<void> {
  const names = process.argv.slice(2)
  for (const [name, scenario] of Object.entries(scenarios)) {
    if (names.length > 0 && !names.includes(name)) continue
    const { root, where } = make()
    try {
      await scenario(where)
      console.log(`${name}: ${save(name, root, where)}`)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  }
}

/** Runs `argv` in `where` until `ready` says so, then interrupts it (SIGINT, as Ctrl-C); its exit code. */
async function interrupted(argv: string[], where: Direct, ready: () => boolean): Promise<number> {
  const child = Bun.spawn(argv, { cwd: where.cwd, env: where.env as Record<string, string>, stdin: "ignore", stdout: "ignore", stderr: "ignore" })
  while (!ready() && child.exitCode === null) await Bun.sleep(20)
  child.kill("SIGINT")
  return child.exited
}

// ---- Claude Code: `claude -p`; its sessions in $CLAUDE_CONFIG_DIR/projects

export interface ClaudeRun {
  /** go on with this session (`--resume`) instead of starting one */
  resume?: string
  /** tools claude may use without asking (a print-mode claude is refused the rest) */
  allow?: string[]
}

const claudeArgs = (prompt: string, options: ClaudeRun) => [
  testClaudeBinary(),
  "-p",
  prompt,
  ...(options.resume ? ["--resume", options.resume] : []),
  ...(options.allow?.length ? ["--allowedTools", options.allow.join(",")] : []),
]

const offline = (where: Direct): Direct => ({ ...where, env: { ...where.env, ...OFFLINE_ENV } })

/** `claude -p PROMPT`, to its end. */
export const claudeDirect = (where: Direct, prompt: string, options: ClaudeRun = {}): Promise<Result> => run(claudeArgs(prompt, options), offline(where))

/** `claude -p PROMPT`, interrupted once `ready` says so. */
export const claudeInterrupted = (where: Direct, prompt: string, ready: () => boolean) => interrupted(claudeArgs(prompt, {}), offline(where), ready)

/** The session files under a Claude Code config folder (its projects), newest last. */
export function claudeSessionFiles(configDir: string): string[] {
  const projects = join(configDir, "projects")
  return [...new Bun.Glob("*/*.jsonl").scanSync({ cwd: projects, absolute: true })].sort((a, b) => Bun.file(a).lastModified - Bun.file(b).lastModified)
}

/** A session's id: its file's name. */
export const claudeSessionId = (file: string) => file.split("/").pop()!.replace(/\.jsonl$/, "")

// ---- Codex: `codex exec`; its sessions in $CODEX_HOME/sessions

const codexArgs = (prompt: string, resume: string | undefined) => [
  testCodexBinary(),
  "exec",
  "--skip-git-repo-check",
  // As a person lets it work in a folder of their own: commands and patches run without asking.
  "--sandbox",
  "danger-full-access",
  ...(resume ? ["resume", resume] : []),
  prompt,
]

/** `codex exec PROMPT` (`codex exec resume ID PROMPT` to go on with a session), to its end. */
export const codexDirect = (where: Direct, prompt: string, options: { resume?: string } = {}): Promise<Result> => run(codexArgs(prompt, options.resume), where)

/** `codex exec PROMPT`, interrupted once `ready` says so. */
export const codexInterrupted = (where: Direct, prompt: string, ready: () => boolean) => interrupted(codexArgs(prompt, undefined), where, ready)

/** The rollout files under a CODEX_HOME, newest last. */
export function codexSessionFiles(codexHome: string): string[] {
  return [...new Bun.Glob("sessions/**/rollout-*.jsonl").scanSync({ cwd: codexHome, absolute: true })].sort()
}

/** A rollout's thread id: the end of its file's name. */
export const codexThreadId = (file: string) => /([0-9a-f-]{36})\.jsonl$/.exec(file)![1]!

// ---- opencode: `opencode run`; its sessions in $XDG_DATA_HOME/opencode/opencode.db

/** `opencode run PROMPT` (`--session ID` to go on with one), to its end. */
export const opencodeDirect = (where: Direct, prompt: string, options: { session?: string } = {}): Promise<Result> =>
  run([testOpencodeBinary(), "run", ...(options.session ? ["--session", options.session] : []), prompt], where)

/** opencode's database in a data folder. */
export const opencodeDatabase = (env: Record<string, string | undefined>) => join(env.XDG_DATA_HOME!, "opencode", "opencode.db")

/** The ids of the sessions in opencode's database, oldest first. */
export function opencodeSessions(env: Record<string, string | undefined>): string[] {
  const db = new Database(opencodeDatabase(env), { readonly: true })
  try {
    return db.query<{ id: string }, []>("SELECT id FROM session ORDER BY time_created").all().map((r) => r.id)
  } finally {
    db.close()
  }
}
