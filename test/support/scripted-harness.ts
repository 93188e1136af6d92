// A Harness whose sessions do what the test says: the peer of the agents layer when the adapter is
// under test, standing where opencode, claude or pi would. Each session keeps what the adapter
// asked of it (prompts, aborts, answers, close) and reports through the HarnessEvents the adapter
// gave it when the test calls `events`; `script` answers the adapter's calls (a prompt that
// replies at once, an abort that ends the turn, a prompt that fails).
import type {
  AttachCommand,
  Harness,
  HarnessAgent,
  HarnessCheck,
  HarnessEvents,
  HarnessSession,
  PermissionAnswer,
  TurnInput,
} from "../../src/harness/harness.ts"

export interface Script {
  /** what the harness does with a prompt once it took it; throwing rejects the prompt */
  prompt?(session: ScriptedSession, input: TurnInput): void | Promise<void>
  abort?(session: ScriptedSession): void | Promise<void>
  answer?(session: ScriptedSession, nativeId: string, answer: PermissionAnswer): void | Promise<void>
}

export class ScriptedSession implements HarnessSession {
  readonly prompts: TurnInput[] = []
  readonly answers: Array<{ nativeId: string } & PermissionAnswer> = []
  aborts = 0
  closed = false

  constructor(
    readonly agent: HarnessAgent,
    /** how this session reports to the adapter */
    readonly events: HarnessEvents,
    private readonly script: Script,
  ) {}

  async prompt(input: TurnInput): Promise<void> {
    this.prompts.push(input)
    await this.script.prompt?.(this, input)
  }

  async abort(): Promise<void> {
    this.aborts++
    await this.script.abort?.(this)
  }

  async answer(nativeId: string, answer: PermissionAnswer): Promise<void> {
    this.answers.push({ nativeId, ...answer })
    await this.script.answer?.(this, nativeId, answer)
  }

  async attach(): Promise<AttachCommand> {
    return { argv: ["scripted", "attach", this.agent.id], env: {} }
  }

  async close(): Promise<void> {
    this.closed = true
  }
}

export class ScriptedHarness implements Harness {
  readonly sessions: ScriptedSession[] = []
  script: Script

  constructor(
    readonly name = "scripted",
    script: Script = {},
  ) {
    this.script = script
  }

  /** The session opened last. */
  get session(): ScriptedSession | undefined {
    return this.sessions.at(-1)
  }

  /** Every prompt any session of this harness was given. */
  get prompts(): TurnInput[] {
    return this.sessions.flatMap((s) => s.prompts)
  }

  async check(): Promise<HarnessCheck> {
    return { name: this.name, available: true, binary: "scripted", version: "1.0.0", problems: [] }
  }

  modelProblem(model: string): string | undefined {
    return model.includes("/") ? undefined : `${this.name} models are provider/model, not ${model}`
  }

  open(agent: HarnessAgent, events: HarnessEvents): HarnessSession {
    const session = new ScriptedSession(agent, events, this.script)
    this.sessions.push(session)
    return session
  }

  async stopOrphan(): Promise<boolean> {
    return false
  }

  async stop(): Promise<void> {
    for (const session of this.sessions) await session.close()
  }
}
