// A harness that is an Agent Client Protocol agent (see ../harness.ts): one agent process per
// iterate agent, started from the command line of its config section (a built-in one's default:
// `gemini --acp`, `qwen --acp`), spoken to as ACP's client (session.ts). check() starts the agent
// once and asks it `initialize`: that it answers is what says the command is an ACP agent, and its
// agentInfo gives the version (remembered until the program file changes).
import { accessSync, constants, statSync } from "node:fs"
import { join } from "node:path"
import type { InitializeResponse } from "@agentclientprotocol/sdk"
import { PROTOCOL_VERSION } from "@agentclientprotocol/sdk"
import { VERSION } from "../../version.ts"
import { type Harness, type HarnessAgent, type HarnessCheck, type HarnessContext, type HarnessEvents, type HarnessFactory, type HarnessSession, HarnessUnavailableError } from "../harness.ts"
import { HarnessProblemError, shellWord } from "../problem.ts"
import { type AcpSettings, acpSettings } from "./config.ts"
import { AcpClient, spawnAgent } from "./connection.ts"
import { MARKER_ENV, stopOrphanedAgent } from "./orphans.ts"
import { AcpSession } from "./session.ts"

/** An ACP agent iterate knows by name, with how to get it. */
export interface BuiltInAgent {
  title: string
  command: string
  install: string
}

// What `iterate harnesses` says about an agent that would not start takes this long at most.
const CHECK_TIMEOUT_MS = 15_000

const safe = (name: string) => name.replace(/[^\w.-]+/g, "_") || "agent"

/** A process the agent runs, marked as this harness's (orphans.ts). */
interface Launch {
  argv: string[]
  env: Record<string, string | undefined>
  /** the program that runs, resolved */
  program: string
}

class AcpHarness implements Harness {
  readonly #sessions = new Set<AcpSession>()
  /** the version answered, by program file and its change time */
  readonly #versions = new Map<string, string>()

  constructor(
    readonly name: string,
    private readonly context: HarnessContext,
    private readonly builtIn: BuiltInAgent | undefined,
  ) {}

  /** Throws HarnessProblemError: the setting at fault, or the program that is not there. */
  #launch(): { settings: AcpSettings; launch: Launch } {
    const settings = acpSettings(this.name, this.context.config, this.builtIn?.command)
    const env: Record<string, string | undefined> = { ...this.context.env, ...settings.env, [MARKER_ENV]: this.name }
    const [command, ...args] = settings.argv
    const program = findProgram(command!, env.PATH)
    if (!program) throw this.#notFound(command!, settings)
    return { settings, launch: { argv: [program, ...args], env, program } }
  }

  #notFound(command: string, settings: AcpSettings): HarnessProblemError {
    const configured = this.context.config.acp !== undefined
    const line = settings.argv.map(shellWord).join(" ")
    if (this.builtIn && !configured) {
      const problem = `${this.builtIn.title} is not installed (no ${command} on PATH)`
      return new HarnessProblemError(problem, this.builtIn.install, `${problem}: install it with \`${this.builtIn.install}\``)
    }
    const problem = `harnesses.${this.name}.acp runs \`${line}\`, but ${command} is ${command.includes("/") ? "not an executable file" : "not on PATH"}`
    const fix = this.builtIn ? `${this.builtIn.install} (or: iterate config unset harnesses.${this.name}.acp)` : `iterate config set harnesses.${this.name}.acp "<the agent's ACP command line>"`
    return new HarnessProblemError(problem, fix, `${problem}: install it, or fix the command with \`${fix}\``)
  }

  /** What a failed start tells the user to do. */
  get #fix(): string {
    if (this.builtIn && this.context.config.acp === undefined) return `check that \`${this.builtIn.command}\` works in a terminal (reinstall with \`${this.builtIn.install}\`)`
    return `check harnesses.${this.name}.acp in config.json (iterate config get harnesses.${this.name}.acp) and that the command speaks ACP on stdio`
  }

  async check(): Promise<HarnessCheck> {
    let settings: AcpSettings
    let launch: Launch
    try {
      ;({ settings, launch } = this.#launch())
    } catch (error) {
      if (!(error instanceof HarnessProblemError)) throw error
      return { name: this.name, available: false, problems: [{ problem: error.problem, fix: error.fix }] }
    }
    const result: HarnessCheck = { name: this.name, available: false, binary: launch.program, problems: [] }
    const key = `${launch.program}\n${modified(launch.program)}\n${launch.argv.join("\0")}`
    let version = this.#versions.get(key)
    if (!version) {
      try {
        version = await this.#probe(launch, Math.min(settings.startTimeoutMs, CHECK_TIMEOUT_MS))
        this.#versions.set(key, version)
      } catch (error) {
        result.problems.push({ problem: `${this.name} does not start as an ACP agent: ${(error as Error).message}`, fix: this.#fix })
        return result
      }
    }
    return { ...result, available: true, version }
  }

  /** Starts the agent, asks `initialize`, and stops it: the version it answers with. */
  async #probe(launch: Launch, timeoutMs: number): Promise<string> {
    const peer = spawnAgent({ ...launch, cwd: this.context.env.HOME ?? process.cwd(), logFile: join(this.context.logDir, `acp-${safe(this.name)}-check.log`) })
    let foreign: string | undefined
    const refuse = async () => ({ outcome: { outcome: "cancelled" as const } })
    const client = new AcpClient(peer, {
      onNative: () => {},
      onForeign: (line) => (foreign ??= line),
      requestPermission: refuse,
      readTextFile: () => Promise.reject(new Error("not now")),
      writeTextFile: () => Promise.reject(new Error("not now")),
    })
    try {
      const answer = await client.request<InitializeResponse>("initialize", { protocolVersion: PROTOCOL_VERSION, clientCapabilities: {}, clientInfo: { name: "iterate", version: VERSION } }, timeoutMs)
      if (answer.protocolVersion !== PROTOCOL_VERSION) throw new Error(`it speaks ACP version ${answer.protocolVersion}, iterate version ${PROTOCOL_VERSION}`)
      return answer.agentInfo?.version ?? "unknown"
    } catch (error) {
      throw foreign ? new Error(`${(error as Error).message}; it wrote "${foreign.slice(0, 120)}", which is no ACP`) : error
    } finally {
      client.close()
      await peer.kill()
    }
  }

  modelProblem(): string | undefined {
    // Which models an agent takes is its own business: it says so when the turn asks for one.
    return undefined
  }

  open(agent: HarnessAgent, events: HarnessEvents): HarnessSession {
    let settings: AcpSettings
    let launch: Launch
    try {
      ;({ settings, launch } = this.#launch())
    } catch (error) {
      throw error instanceof HarnessProblemError ? new HarnessUnavailableError(error.message) : error
    }
    const logFile = join(this.context.logDir, `acp-${safe(this.name)}-${safe(agent.id)}.log`)
    const session: AcpSession = new AcpSession({
      name: this.name,
      agent,
      events,
      spawn: () => spawnAgent({ ...launch, cwd: agent.directory, logFile }),
      logFile,
      fix: this.#fix,
      idleTimeoutMs: settings.idleTimeoutMs,
      startTimeoutMs: settings.startTimeoutMs,
      onClose: () => this.#sessions.delete(session),
    })
    this.#sessions.add(session)
    return session
  }

  stopOrphan(pid: number): Promise<boolean> {
    return stopOrphanedAgent(pid, this.name)
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#sessions].map((session) => session.close()))
  }
}

/** `command` as it would run: a path that must be an executable file, or a name looked up on PATH. */
function findProgram(command: string, path: string | undefined): string | undefined {
  if (!command.includes("/")) return Bun.which(command, { PATH: path ?? "" }) ?? undefined
  try {
    accessSync(command, constants.X_OK)
    return statSync(command).isFile() ? command : undefined
  } catch {
    return undefined
  }
}

function modified(file: string): number {
  try {
    return statSync(file).mtimeMs
  } catch {
    return 0
  }
}

/** The harness of the ACP agent `name`; `builtIn` for one iterate knows (its default command, how to install it). */
export const acpHarness =
  (name: string, builtIn?: BuiltInAgent): HarnessFactory =>
  (context) =>
    new AcpHarness(name, context, builtIn)
