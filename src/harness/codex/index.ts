// The Codex harness (`@openai/codex`): one `codex app-server` for every agent, each agent a thread
// on it in its own directory (server.ts, session.ts). Daemon code only — renderers import
// transcript.ts, never this.
//
//   const codex = createCodexHarness({ logDir, dataDir, config /* harnesses.codex */, env })
//   await codex.check()                    codex found?, version, a model provider?
//   const session = codex.open(agent, events)   starts nothing; the first prompt starts the app-server
//   await session.prompt({ text })         resolves once codex took it (turn/start)
//   events.permission(ask) → await session.answer(ask.nativeId, { decision })
//   events.turnEnded({ status, error?, aborted? })
//
// The provider and everything else about the model come from the user's Codex config
// ($CODEX_HOME/config.toml, ~/.codex by default, with its logins); `--model` names the model.
// Config `harnesses.codex`:
//   binary          the executable instead of `codex` on PATH (an npm install's launcher will do)
//   idleTimeoutMs   how long the app-server stays up with no agent using it (default 10 minutes)
//   startTimeoutMs  how long it may take to answer `initialize` (default 30 s)
// Its stderr goes to <logDir>/codex-app-server.log.
import { existsSync, readFileSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"
import { VERSION } from "../../version.ts"
import {
  type Harness,
  type HarnessAgent,
  type HarnessCheck,
  type HarnessContext,
  type HarnessEvents,
  type HarnessFactory,
  type HarnessImporter,
  type HarnessProblem,
  type HarnessSession,
  HarnessUnavailableError,
} from "../harness.ts"
import { shellWord } from "../problem.ts"
import { CodexNotFoundError, codexVersion, findCodexBinary, INSTALL_COMMAND } from "./binary.ts"
import { codexImporter } from "./import.ts"
import { stopOrphanedCodex } from "./orphans.ts"
import { CodexServer } from "./server.ts"
import { CodexSession } from "./session.ts"

const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000
const DEFAULT_START_TIMEOUT_MS = 30_000

interface Settings {
  binary?: string
  idleTimeoutMs: number
  startTimeoutMs: number
}

/** Throws CodexNotFoundError naming the setting at fault; unset, each has its default. */
function settings(config: Record<string, unknown>): Settings {
  const { binary, idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS, startTimeoutMs = DEFAULT_START_TIMEOUT_MS } = config
  const bad = (key: string, what: string) => new CodexNotFoundError(`harnesses.codex.${key} in config.json must be ${what}`, `iterate config unset harnesses.codex.${key}`)
  if (binary !== undefined && typeof binary !== "string") throw bad("binary", "a path (a string)")
  if (typeof idleTimeoutMs !== "number" || !(idleTimeoutMs >= 0)) throw bad("idleTimeoutMs", "a number of milliseconds")
  if (typeof startTimeoutMs !== "number" || !(startTimeoutMs > 0)) throw bad("startTimeoutMs", "a number of milliseconds")
  return { binary, idleTimeoutMs, startTimeoutMs }
}

class CodexHarness implements Harness {
  readonly name = "codex"
  #server: CodexServer | undefined
  // `codex --version` is asked once per binary.
  readonly #versions = new Map<string, Promise<string>>()

  constructor(private readonly context: HarnessContext) {}

  /** Codex's home folder: its config.toml, logins and threads. */
  get #codexHome(): string {
    const env = this.context.env
    return env.CODEX_HOME || join(env.HOME || homedir(), ".codex")
  }

  /** Threads run with codex directly, from the home folder the daemon's codex uses: those it can resume. */
  get importer(): HarnessImporter {
    return codexImporter(this.#codexHome)
  }

  async check(): Promise<HarnessCheck> {
    let binary: string
    try {
      binary = findCodexBinary(settings(this.context.config).binary, this.context.env.PATH)
    } catch (error) {
      if (!(error instanceof CodexNotFoundError)) throw error
      return { name: this.name, available: false, problems: [{ problem: error.problem, fix: error.fix }] }
    }
    let version = this.#versions.get(binary)
    if (!version) this.#versions.set(binary, (version = codexVersion(binary)))
    try {
      const problems = [this.#providerProblem(binary)].filter((p) => p !== undefined)
      return { name: this.name, available: true, binary, version: await version, problems }
    } catch (error) {
      this.#versions.delete(binary)
      return { name: this.name, available: false, binary, problems: [{ problem: (error as Error).message, fix: INSTALL_COMMAND }] }
    }
  }

  // A login (auth.json), an API key in the environment, or a provider of the user's own in
  // config.toml (which says itself where its key comes from).
  #providerProblem(binary: string): HarnessProblem | undefined {
    const env = this.context.env
    if (env.OPENAI_API_KEY || env.CODEX_API_KEY || existsSync(join(this.#codexHome, "auth.json"))) return undefined
    const file = join(this.#codexHome, "config.toml")
    let provider: unknown
    try {
      provider = existsSync(file) ? (Bun.TOML.parse(readFileSync(file, "utf8")) as { model_provider?: unknown }).model_provider : undefined
    } catch (error) {
      return { problem: `${file} is not valid TOML: ${(error as Error).message}`, fix: `$EDITOR ${shellWord(file)}` }
    }
    if (typeof provider === "string" && provider !== "openai") return undefined
    const codex = binary === Bun.which("codex", { PATH: env.PATH ?? "" }) ? "codex" : shellWord(binary)
    return {
      problem: `Codex has no model provider: no Codex login in ${this.#codexHome}, no OPENAI_API_KEY where the daemon started, and no model_provider of your own in its config.toml`,
      fix: `${codex} login`,
    }
  }

  modelProblem(model: string): string | undefined {
    return model.trim() && !/\s/.test(model.trim()) ? undefined : `Codex does not know the model ${JSON.stringify(model)}: name one as codex does (e.g. gpt-5.5)`
  }

  open(agent: HarnessAgent, events: HarnessEvents): HarnessSession {
    let binary: string
    let config: Settings
    try {
      config = settings(this.context.config)
      binary = findCodexBinary(config.binary, this.context.env.PATH)
    } catch (error) {
      throw error instanceof CodexNotFoundError ? new HarnessUnavailableError(error.message) : error
    }
    this.#server ??= new CodexServer({
      binary,
      cwd: this.context.dataDir,
      env: this.context.env,
      logFile: join(this.context.logDir, "codex-app-server.log"),
      version: VERSION,
      idleTimeoutMs: config.idleTimeoutMs,
      startTimeoutMs: config.startTimeoutMs,
    })
    return new CodexSession({ binary, agent, events, server: this.#server, codexHome: this.#codexHome })
  }

  stopOrphan(pid: number): Promise<boolean> {
    return stopOrphanedCodex(pid, this.context.dataDir)
  }

  async stop(): Promise<void> {
    await this.#server?.stop()
  }
}

export const createCodexHarness: HarnessFactory = (context) => new CodexHarness(context)
