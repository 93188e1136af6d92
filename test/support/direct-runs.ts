// Running a harness directly, as a person does in a terminal, without iterate: the sessions these
// runs leave where the harness keeps them are what `iterate import` reads. Each harness talks to a
// scripted model server the caller owns (anthropic-stub.ts, responses-stub.ts, llm-stub.ts).
import { Database } from "bun:sqlite"
import { join } from "node:path"
import { OFFLINE_ENV } from "../../src/harness/claude/index.ts"
import { testClaudeBinary } from "./claude-project.ts"
import { testCodexBinary } from "./codex-project.ts"
import { testOpencodeBinary } from "./opencode-project.ts"
import { type Result, run } from "./run-process.ts"

export interface DirectClaude {
  /** the folder claude runs in */
  cwd: string
  /** its environment: CLAUDE_CONFIG_DIR (where the session is kept) and the stub as its API */
  env: Record<string, string | undefined>
}

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

/** `claude -p PROMPT`, to its end. */
export function claudeDirect(where: DirectClaude, prompt: string, options: ClaudeRun = {}): Promise<Result> {
  return run(claudeArgs(prompt, options), { cwd: where.cwd, env: { ...where.env, ...OFFLINE_ENV } })
}

/** `claude -p PROMPT` interrupted (SIGINT, as Ctrl-C) once `ready` says so. */
export async function claudeInterrupted(where: DirectClaude, prompt: string, ready: () => boolean, options: ClaudeRun = {}): Promise<number> {
  const child = Bun.spawn(claudeArgs(prompt, options), { cwd: where.cwd, env: { ...where.env, ...OFFLINE_ENV } as Record<string, string>, stdout: "ignore", stderr: "ignore" })
  while (!ready() && child.exitCode === null) await Bun.sleep(20)
  child.kill("SIGINT")
  return child.exited
}

/** The session files under a Claude Code config folder (its projects), newest last. */
export function claudeSessionFiles(configDir: string): string[] {
  const projects = join(configDir, "projects")
  return [...new Bun.Glob("*/*.jsonl").scanSync({ cwd: projects, absolute: true })].sort((a, b) => Bun.file(a).lastModified - Bun.file(b).lastModified)
}

/** A session's id: its file's name. */
export const claudeSessionId = (file: string) => file.split("/").pop()!.replace(/\.jsonl$/, "")

export interface DirectCodex {
  /** the folder codex runs in */
  cwd: string
  /** its environment: CODEX_HOME (its config, naming the stub, and where the session is kept) */
  env: Record<string, string | undefined>
}

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
export function codexDirect(where: DirectCodex, prompt: string, options: { resume?: string } = {}): Promise<Result> {
  return run(codexArgs(prompt, options.resume), { cwd: where.cwd, env: where.env })
}

/** `codex exec PROMPT` interrupted (SIGINT, as Ctrl-C) once `ready` says so. */
export async function codexInterrupted(where: DirectCodex, prompt: string, ready: () => boolean): Promise<number> {
  const child = Bun.spawn(codexArgs(prompt, undefined), { cwd: where.cwd, env: where.env as Record<string, string>, stdin: "ignore", stdout: "ignore", stderr: "ignore" })
  while (!ready() && child.exitCode === null) await Bun.sleep(20)
  child.kill("SIGINT")
  return child.exited
}

/** The rollout files under a CODEX_HOME, newest last. */
export function codexSessionFiles(codexHome: string): string[] {
  return [...new Bun.Glob("sessions/**/rollout-*.jsonl").scanSync({ cwd: codexHome, absolute: true })].sort()
}

/** A rollout's thread id: the end of its file's name. */
export const codexThreadId = (file: string) => /([0-9a-f-]{36})\.jsonl$/.exec(file)![1]!

export interface DirectOpencode {
  /** the folder opencode runs in (its opencode.json names the stub) */
  cwd: string
  /** its environment: HOME and the XDG folders (XDG_DATA_HOME/opencode keeps the sessions) */
  env: Record<string, string | undefined>
}

const opencodeArgs = (prompt: string, session: string | undefined) => [testOpencodeBinary(), "run", ...(session ? ["--session", session] : []), prompt]

/** `opencode run PROMPT` (`--session ID` to go on with one), to its end. */
export function opencodeDirect(where: DirectOpencode, prompt: string, options: { session?: string } = {}): Promise<Result> {
  return run(opencodeArgs(prompt, options.session), { cwd: where.cwd, env: where.env })
}

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
