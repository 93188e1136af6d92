// The Claude Code harness (see ../harness.ts), for the registry (../index.ts): the daemon's only
// door to claude, one ClaudeSession, and so one claude process at a time, per agent. Daemon code
// only — the CLI client path must not import this (protocol.ts and transcript.ts alone are
// import-free and safe for a renderer).
//
//   const claude = createClaudeHarness({ logDir, dataDir, config, env })  // config: harnesses.claude
//   await claude.check()                   // binary, version, provider (env or `claude auth status`)
//   const session = claude.open(agent, events)   // nothing starts until the first prompt
//   await session.prompt({ text })         // spawns claude (--session-id, or --resume once it has a conversation)
//   await session.abort()                  // interrupt; resolves once the turn is over
//   await session.answer(nativeId, { decision: "allow" })   // a can_use_tool request
//   await session.close()                  // kills the process tree; open() with agent.resume carries on
//   await claude.stopOrphan(pid)           // a claude a killed daemon left behind
//   await claude.importer.open(path)       // sessions run with claude directly (import.ts)
//
// What the session reports (HarnessEvents): every stdout line, parsed, as event(); resumable
// ({ sessionId }) once at the first spawn; processStarted/processExited per process; permission /
// permissionWithdrawn per can_use_tool; turnEnded when every prompt of the turn is done; crashed
// for a process that died on its own (it is started again by the next prompt, so restartInMs is
// never set). Stderr goes to claude-<agent id>.log in the log folder.
//
// Its config section, `harnesses.claude` in config.json:
//   binary         the claude executable instead of `claude` on PATH
//   idleTimeoutMs  how long an idle claude process stays up (default 10 minutes)
import { homedir } from "node:os"
import { join } from "node:path"
import { type Harness, type HarnessAgent, type HarnessCheck, type HarnessContext, type HarnessEvents, type HarnessImporter, type HarnessProblem, HarnessUnavailableError } from "../harness.ts"
import { shellWord } from "../problem.ts"
import { ClaudeNotFoundError, claudeVersion, findClaudeBinary, INSTALL_COMMAND } from "./binary.ts"
import { claudeImporter } from "./import.ts"
import { modelProblem } from "./model.ts"
import { stopOrphanedClaude } from "./orphans.ts"
import { AGENT_ENV, ClaudeSession } from "./session.ts"

const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000

/** Keeps claude off the network but for the model API: no update checks, telemetry or error reports. */
export const OFFLINE_ENV = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  DISABLE_AUTOUPDATER: "1",
  DISABLE_TELEMETRY: "1",
  DISABLE_ERROR_REPORTING: "1",
}

const PROVIDER_ENV = ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "CLAUDE_CODE_OAUTH_TOKEN", "CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX", "CLAUDE_CODE_USE_FOUNDRY"]

interface Settings {
  binary?: string
  idleTimeoutMs: number
}

/** Throws ClaudeNotFoundError naming the setting at fault; unset, each has its default. */
function settings(config: Record<string, unknown>): Settings {
  const { binary, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS } = config
  const bad = (key: string, what: string) => new ClaudeNotFoundError(`harnesses.claude.${key} in config.json must be ${what}`, `iterate config unset harnesses.claude.${key}`)
  if (binary !== undefined && typeof binary !== "string") throw bad("binary", "a path (a string)")
  if (typeof idleTimeoutMs !== "number" || !(idleTimeoutMs >= 0)) throw bad("idleTimeoutMs", "a number of milliseconds")
  return { binary, idleTimeoutMs }
}

class ClaudeHarness implements Harness {
  readonly name = "claude"
  private readonly sessions = new Set<ClaudeSession>()

  constructor(private readonly context: HarnessContext) {}

  private get env(): Record<string, string | undefined> {
    return this.context.env
  }

  /** Claude Code's config folder: where its logins, settings and conversations are. */
  private get configDir(): string {
    return this.env.CLAUDE_CONFIG_DIR || join(this.env.HOME || homedir(), ".claude")
  }

  /** Sessions run with claude directly, from the config folder the daemon's claude uses: those it can resume. */
  get importer(): HarnessImporter {
    return claudeImporter(this.configDir)
  }

  /** Throws ClaudeNotFoundError. */
  private binary(): string {
    return findClaudeBinary(settings(this.context.config).binary, this.env.PATH)
  }

  async check(): Promise<HarnessCheck> {
    let binary: string
    try {
      binary = this.binary()
    } catch (error) {
      if (!(error instanceof ClaudeNotFoundError)) throw error
      return { name: this.name, available: false, problems: [{ problem: error.problem, fix: error.fix }] }
    }
    let version: string | undefined
    const problems: HarnessProblem[] = []
    try {
      version = await claudeVersion(binary)
    } catch (error) {
      problems.push({ problem: (error as Error).message, fix: INSTALL_COMMAND })
    }
    if (version && !(await this.hasProvider(binary)))
      problems.push({
        problem: "Claude Code has no model provider: no Claude login, and no ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN or ANTHROPIC_BASE_URL where the daemon started",
        // The claude the daemon runs: on PATH by its name, else by its path (npm without postinstall, config.json).
        fix: `${binary === Bun.which("claude", { PATH: this.env.PATH ?? "" }) ? "claude" : shellWord(binary)} auth login`,
      })
    return { name: this.name, available: problems.length === 0, binary, ...(version && { version }), problems }
  }

  // The environment first (no process needed), then claude's own word on its login, which also
  // knows the logins it keeps outside ~/.claude (the macOS keychain).
  private async hasProvider(binary: string): Promise<boolean> {
    if (PROVIDER_ENV.some((name) => this.env[name])) return true
    const child = Bun.spawn([binary, "auth", "status", "--json"], { env: this.processEnv(), stdin: "ignore", stdout: "pipe", stderr: "ignore" })
    const out = await new Response(child.stdout).text()
    await child.exited
    try {
      return JSON.parse(out).loggedIn === true
    } catch {
      return false
    }
  }

  modelProblem(model: string): string | undefined {
    return modelProblem(model)
  }

  open(agent: HarnessAgent, events: HarnessEvents): ClaudeSession {
    let binary: string
    let idleTimeoutMs: number
    try {
      binary = this.binary()
      idleTimeoutMs = settings(this.context.config).idleTimeoutMs
    } catch (error) {
      throw error instanceof ClaudeNotFoundError ? new HarnessUnavailableError(error.message) : error
    }
    const session: ClaudeSession = new ClaudeSession({
      binary,
      agent,
      events,
      // A headless claude keeps no todo list unless told to (its task tools): `iterate todos` shows it.
      env: { CLAUDE_CODE_ENABLE_TODO_TOOLS: "1", ...this.processEnv(), [AGENT_ENV]: agent.id },
      configDir: this.configDir,
      logFile: join(this.context.logDir, `claude-${agent.id.replace(/[^\w.-]+/g, "_")}.log`),
      idleTimeoutMs,
      onClose: () => this.sessions.delete(session),
    })
    this.sessions.add(session)
    return session
  }

  stopOrphan(pid: number): Promise<boolean> {
    return stopOrphanedClaude(pid)
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sessions].map((session) => session.close()))
  }

  private processEnv(): Record<string, string | undefined> {
    return { ...this.env, ...OFFLINE_ENV }
  }
}

export const createClaudeHarness = (context: HarnessContext): Harness => new ClaudeHarness(context)
