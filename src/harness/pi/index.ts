// The Pi harness (`@mariozechner/pi-coding-agent`): one `pi --mode rpc` process per agent, in the
// agent's directory, on a session file of its own. Daemon code only — renderers import
// transcript.ts (and events.ts), never this.
//
//   const pi = createPiHarness({ logDir, dataDir, config /* harnesses.pi */, env })
//   await pi.check()                       pi found?, version, runtime, a model provider configured?
//   const session = pi.open(agent, events) starts nothing; the first prompt spawns pi
//   await session.prompt({ text })         resolves once Pi took it; rejects when Pi refused it
//   events.permission(ask) → await session.answer(ask.nativeId, { decision })
//   events.turnEnded({ status, error?, aborted? })
//
// Files: the session file is <dataDir>/sessions/<agent id>.jsonl (reported through `resumable` as
// { sessionFile }), kept apart from Pi's own ~/.pi/agent/sessions so that `pi -c` elsewhere never
// writes to an agent's session behind the daemon's back; `iterate attach` opens it in Pi's TUI.
// Pi writes the file with its first message; `--session <path>` on a path with no file yet starts
// a new session there, so the path is fixed before anything runs. The extension and launcher are
// written to <dataDir> (assets.ts); Pi's stderr goes to <logDir>/pi-<name>-<id>.log.
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { type Harness, type HarnessAgent, type HarnessCheck, type HarnessContext, type HarnessEvents, type HarnessFactory, type HarnessSession, HarnessUnavailableError } from "../harness.ts"
import { HarnessProblemError, shellWord } from "../problem.ts"
import { assetPaths } from "./assets.ts"
import { findPi, INSTALL_COMMAND, PACKAGE, type PiProgram } from "./binary.ts"
import { type PiConfig, parsePiConfig } from "./config.ts"
import { PiLauncher } from "./launch.ts"
import { stopOrphanedPi } from "./orphans.ts"
import { providerProblem } from "./providers.ts"
import { PiSession } from "./session.ts"

const MODEL = /^[^/\s]+\/\S+$/
const safe = (name: string) => name.replace(/[^\w.-]+/g, "_") || "agent"

class PiHarness implements Harness {
  readonly name = "pi"
  readonly #sessions = new Set<PiSession>()

  constructor(private readonly context: HarnessContext) {}

  async check(): Promise<HarnessCheck> {
    const result: HarnessCheck = { name: this.name, available: false, problems: [] }
    // Every error below is a HarnessProblemError, but for pi failing to run at all.
    const problem = (error: unknown, fix: string) => {
      result.problems.push(error instanceof HarnessProblemError ? { problem: error.problem, fix: error.fix } : { problem: (error as Error).message, fix })
      return result
    }
    let config: PiConfig
    let launcher: PiLauncher
    try {
      config = parsePiConfig(this.context.config)
      launcher = new PiLauncher(findPi(config.binary, this.context.env.PATH), config.runtime, this.context)
    } catch (error) {
      return problem(error, "iterate config edit")
    }
    result.binary = launcher.program.path
    try {
      const command = launcher.command()
      result.runtime = command.runtime
      result.version = packageVersion(launcher.program) ?? (await version(launcher.run(["--version"], command)))
      result.available = true
    } catch (error) {
      // pi does not run: under iterate's own Bun, Node may do; under a runtime of the user's, ours may.
      problem(error, !launcher.program.script ? INSTALL_COMMAND : config.runtime ? "iterate config unset harnesses.pi.runtime" : "iterate config set harnesses.pi.runtime node")
    }
    const providers = providerProblem(this.context.env, config.binary ? shellWord(config.binary) : "pi")
    if (providers) result.problems.push(providers)
    return result
  }

  modelProblem(model: string): string | undefined {
    return MODEL.test(model) ? undefined : `pi names a model provider/model (e.g. anthropic/claude-sonnet-4-5), not "${model}"`
  }

  open(agent: HarnessAgent, events: HarnessEvents): HarnessSession {
    let config: PiConfig
    let launcher: PiLauncher
    try {
      config = parsePiConfig(this.context.config)
      launcher = new PiLauncher(findPi(config.binary, this.context.env.PATH), config.runtime, this.context)
      launcher.command()
    } catch (error) {
      throw new HarnessUnavailableError((error as Error).message)
    }
    const session = new PiSession({
      agent,
      events,
      launcher,
      sessionFile: agent.resume?.sessionFile ?? join(this.context.dataDir, "sessions", `${safe(agent.id)}.jsonl`),
      logFile: join(this.context.logDir, `pi-${safe(agent.name)}-${safe(agent.id)}.log`),
      idleTimeoutMs: config.idleTimeoutMs,
      onClose: () => this.#sessions.delete(session),
    })
    this.#sessions.add(session)
    return session
  }

  stopOrphan(pid: number): Promise<boolean> {
    return stopOrphanedPi(pid, assetPaths(this.context.dataDir).extension)
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#sessions].map((session) => session.close()))
  }
}

/** The version of the npm package a CLI script belongs to: instant, where `pi --version` takes a second. */
function packageVersion(program: PiProgram): string | undefined {
  if (!program.script) return undefined
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(dirname(program.path)), "package.json"), "utf8"))
    return pkg.name === PACKAGE && typeof pkg.version === "string" ? pkg.version : undefined
  } catch {
    return undefined
  }
}

/** `pi --version`, e.g. "0.73.1"; throws with pi's own complaint when it does not run. */
async function version(launch: { argv: string[]; env: Record<string, string | undefined> }): Promise<string> {
  const child = Bun.spawn(launch.argv, { env: launch.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" })
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  const said = (err || out).trim().split("\n").at(-1)
  if (code !== 0 || !out.trim()) throw new Error(`pi does not run here (\`pi --version\` exited ${code}${said ? `: ${said}` : ""})`)
  return out.trim()
}

export const createPiHarness: HarnessFactory = (context) => new PiHarness(context)
