// The Claude Code harness (see ../harness.ts): one ClaudeSession, and so one claude process at a
// time, per agent. Its config section, `harnesses.claude` in config.json:
//   binary         the claude executable instead of `claude` on PATH
//   idleTimeoutMs  how long an idle claude process stays up (default 10 minutes)
import { homedir } from "node:os"
import { join } from "node:path"
import { type Harness, type HarnessAgent, type HarnessCheck, type HarnessContext, type HarnessEvents, type HarnessProblem, HarnessUnavailableError } from "../harness.ts"
import { ClaudeNotFoundError, claudeVersion, findClaudeBinary, INSTALL_COMMAND } from "./binary.ts"
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

function settings(config: Record<string, unknown>): Settings {
  const { binary, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS } = config
  if (binary !== undefined && typeof binary !== "string") throw new HarnessUnavailableError("harnesses.claude.binary in config.json must be a path (a string)")
  if (typeof idleTimeoutMs !== "number" || !(idleTimeoutMs >= 0))
    throw new HarnessUnavailableError("harnesses.claude.idleTimeoutMs in config.json must be a number of milliseconds")
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

  private binary(): string {
    const { binary } = settings(this.context.config)
    try {
      return findClaudeBinary(binary, this.env.PATH)
    } catch (error) {
      if (error instanceof ClaudeNotFoundError) throw new HarnessUnavailableError(error.message)
      throw error
    }
  }

  async check(): Promise<HarnessCheck> {
    let binary: string
    try {
      binary = this.binary()
    } catch (error) {
      const fix = /harnesses\.claude/.test((error as Error).message) ? "iterate config edit" : INSTALL_COMMAND
      return { name: this.name, available: false, problems: [{ problem: (error as Error).message, fix }] }
    }
    let version: string | undefined
    const problems: HarnessProblem[] = []
    try {
      version = await claudeVersion(binary)
    } catch (error) {
      problems.push({ problem: (error as Error).message, fix: `reinstall it: ${INSTALL_COMMAND}` })
    }
    if (version && !(await this.hasProvider(binary)))
      problems.push({
        problem: "Claude Code has no model provider: no ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN or ANTHROPIC_BASE_URL in the daemon's environment, and no Claude login",
        fix: "set ANTHROPIC_API_KEY where the daemon starts (then `iterate server restart`), or log in with `claude auth login`",
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
    const binary = this.binary()
    const { idleTimeoutMs } = settings(this.context.config)
    const session: ClaudeSession = new ClaudeSession({
      binary,
      agent,
      events,
      env: { ...this.processEnv(), [AGENT_ENV]: agent.id },
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
