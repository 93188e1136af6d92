// What the scripted model servers (llm-stub.ts for OpenAI-compatible clients, anthropic-stub.ts
// for Claude Code) share: serving on 127.0.0.1 on a free port, a script of replies taken in turn,
// the requests they got, and how long one lives in a test file.
import { afterAll, afterEach, beforeAll, onTestFinished } from "vitest"

export abstract class ScriptedServer<Reply, Recorded> {
  private server: ReturnType<typeof Bun.serve> | undefined
  protected script: Reply[] = []
  readonly requests: Recorded[] = []

  constructor(private readonly what: string) {}

  /** Starts serving on 127.0.0.1 on a free port. */
  start(): this {
    // idleTimeout 0: a slowly streamed reply may sit quiet for longer than Bun's default 10 s.
    this.server = Bun.serve({ hostname: "127.0.0.1", port: 0, idleTimeout: 0, fetch: (req) => this.handle(req) })
    return this
  }

  /** http://127.0.0.1:<port> */
  protected get origin(): string {
    if (!this.server) throw new Error(`the ${this.what} is not started`)
    return `http://127.0.0.1:${this.server.port}`
  }

  /** Appends replies to the script; each model request takes the next one. */
  reply(...replies: Reply[]): void {
    this.script.push(...replies)
  }

  /** Forgets the script and the recorded requests, for the next test. */
  reset(): void {
    this.script = []
    this.requests.length = 0
  }

  stop(): void {
    this.server?.stop(true)
    this.server = undefined
  }

  protected abstract handle(req: Request): Promise<Response>
}

/** A stub for one test: started now, stopped when the test finishes. */
export function forTest<T extends ScriptedServer<unknown, unknown>>(stub: T): T {
  stub.start()
  onTestFinished(() => stub.stop())
  return stub
}

/** A stub for a whole file: started before the first test, script cleared after each, stopped at the end. */
export function forFile<T extends ScriptedServer<unknown, unknown>>(stub: T): T {
  beforeAll(() => void stub.start())
  afterEach(() => stub.reset())
  afterAll(() => stub.stop())
  return stub
}
