// The one stand-in in our tests: an OpenAI-compatible chat-completions server on loopback that a
// test scripts reply by reply. opencode reaches it through a custom `@ai-sdk/openai-compatible`
// provider (see opencode-project.ts), so everything between the prompt and the model is real.
//
//   const stub = useLlmStub()                       // up for the file, script cleared after each test
//   stub.reply(toolCall("write", { filePath, content }), text("Done."))
//   ... prompt opencode ...
//   stub.turns                                      // what the model was asked, in order
//
// Each chat-completions request takes the next scripted reply. Requests that opencode makes on its
// own behalf (the session title) never consume the script: they get a fixed title, so a test only
// scripts the turns it cares about.
import { forFile, forTest, ScriptedServer } from "./scripted-server.ts"

export type StubReply =
  | { kind: "text"; text: string; reasoning: string; chunkSize: number; delayMs: number; usage: StubUsage }
  | { kind: "tools"; calls: Array<{ id: string; name: string; arguments: string }> }
  | { kind: "failure"; status: number; message: string }

/** The token counts a reply reports, as OpenAI's `usage` has them (cached tokens are part of the prompt's). */
export interface StubUsage {
  prompt_tokens: number
  completion_tokens: number
  total_tokens: number
  prompt_tokens_details?: { cached_tokens: number }
}

const USAGE: StubUsage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }

/**
 * A reply with `text`, streamed in chunks of `chunkSize` characters; `delayMs` between chunks makes
 * it slow (for aborts); `reasoning` is streamed first as `reasoning_content`, the way thinking models
 * do; `usage` is what it reports having cost (10 prompt and 5 completion tokens unless given).
 */
export function text(
  body: string,
  options: { chunkSize?: number; delayMs?: number; reasoning?: string; usage?: StubUsage } = {},
): StubReply {
  return {
    kind: "text",
    text: body,
    reasoning: options.reasoning ?? "",
    chunkSize: options.chunkSize ?? 8,
    delayMs: options.delayMs ?? 0,
    usage: options.usage ?? USAGE,
  }
}

/** An API error response. Status 400 is one opencode does not retry, so the turn fails at once. */
export function failure(message: string, status = 400): StubReply {
  return { kind: "failure", status, message }
}

let callCounter = 0
/** A reply that asks the client to run one tool, e.g. opencode's `write` with `{ filePath, content }`. */
export function toolCall(name: string, args: Record<string, unknown>): StubReply {
  return { kind: "tools", calls: [{ id: `call_${++callCounter}`, name, arguments: JSON.stringify(args) }] }
}

export interface RecordedRequest {
  body: ChatRequest
  /** True when the client went away before the reply was complete (an abort). */
  cancelled: boolean
}

export interface ChatRequest {
  model: string
  stream?: boolean
  messages: Array<{ role: string; content?: unknown }>
}

export const STUB_TITLE = "Stub session"

/** Answers a request by what it asks (several agents at once take replies in no set order); undefined: the script's next. */
export type Responder = (request: ChatRequest) => StubReply | undefined

export class LlmStub extends ScriptedServer<StubReply, RecordedRequest> {
  private responder: Responder | undefined
  private held: { until?: number; release: () => void; released: Promise<void> } | undefined
  /** scripted requests being answered now (title requests left out), and the most there were at once */
  inFlight = 0
  maxInFlight = 0

  constructor() {
    super("LLM stub")
  }

  /** Answers each request with what `responder` makes of it, before the script. */
  respond(responder: Responder): void {
    this.responder = responder
  }

  /** Holds every scripted request unanswered until `release()`, or until `count` are in flight at once. */
  hold(count?: number): void {
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    this.held = { until: count, release, released }
  }

  release(): void {
    this.held?.release()
    this.held = undefined
  }

  override reset(): void {
    super.reset()
    this.responder = undefined
    this.release()
    this.maxInFlight = 0
  }

  /** Base URL for an OpenAI-compatible client, ending in `/v1`. */
  get url(): string {
    return `${this.origin}/v1`
  }

  /** The requests that took a scripted reply (title requests left out). */
  get turns(): RecordedRequest[] {
    return this.requests.filter((r) => !isTitleRequest(r.body))
  }

  protected async handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname
    if (req.method === "GET" && path === "/v1/models")
      return Response.json({ object: "list", data: [{ id: "stub-model", object: "model", owned_by: "stub" }] })
    if (req.method !== "POST" || path !== "/v1/chat/completions")
      return Response.json({ error: { message: `no route ${req.method} ${path}` } }, { status: 404 })

    const body = (await req.json()) as ChatRequest
    const record: RecordedRequest = { body, cancelled: false }
    this.requests.push(record)
    if (isTitleRequest(body)) return answer(body, text(STUB_TITLE), record)

    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight)
    let answered = false
    const over = () => {
      if (!answered) this.inFlight--
      answered = true
    }
    req.signal.addEventListener("abort", over)
    const held = this.held
    if (held?.until !== undefined && this.inFlight >= held.until) this.release()
    else if (held) await held.released
    // The client went away while it was held (its process was killed): nobody takes an answer.
    if (req.signal.aborted) return new Response(null, { status: 499 })
    const reply = this.responder?.(body) ?? this.script.shift() ?? failure("the LLM stub has no scripted reply left for this request")
    return answer(body, reply, record, over)
  }
}

/** A stub for one test: started now, stopped when the test finishes. */
export const startLlmStub = () => forTest(new LlmStub())

/** A stub for a whole file: started before the first test, script cleared after each, stopped at the end. */
export const useLlmStub = () => forFile(new LlmStub())

// opencode asks its small model for a session title with a system prompt that names the task;
// answering those outside the script keeps tests independent of whether and when it asks.
function isTitleRequest(body: ChatRequest): boolean {
  const system = body.messages.find((m) => m.role === "system")
  return typeof system?.content === "string" && system.content.includes("title generator")
}

function answer(body: ChatRequest, reply: StubReply, record: RecordedRequest, over = () => {}): Response {
  if (reply.kind === "failure") {
    over()
    return Response.json({ error: { message: reply.message, type: "stub_error" } }, { status: reply.status })
  }
  if (!body.stream) {
    over()
    return Response.json(completion(body.model, reply))
  }
  return new Response(sse(body.model, reply, record, over), {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  })
}

/** The text of the request's last user message: the prompt that asked for this turn. */
export function lastUserText(request: ChatRequest): string {
  const user = request.messages.findLast((m) => m.role === "user")
  const content = user?.content
  if (typeof content === "string") return content
  return Array.isArray(content) ? content.map((part) => (typeof part?.text === "string" ? part.text : "")).join("") : ""
}

/** Whether the request follows a tool's result (the model asked for a tool and got its output). */
export const afterTool = (request: ChatRequest): boolean => request.messages.at(-1)?.role === "tool"

type Answer = Exclude<StubReply, { kind: "failure" }>

const usageOf = (reply: Answer) => (reply.kind === "text" ? reply.usage : USAGE)

function toolCalls(reply: Extract<StubReply, { kind: "tools" }>) {
  return reply.calls.map((c, index) => ({ index, id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }))
}

function completion(model: string, reply: Answer) {
  const message =
    reply.kind === "text"
      ? { role: "assistant", content: reply.text, ...(reply.reasoning && { reasoning_content: reply.reasoning }) }
      : { role: "assistant", content: null, tool_calls: toolCalls(reply) }
  return {
    id: "chatcmpl-stub",
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: reply.kind === "text" ? "stop" : "tool_calls" }],
    usage: usageOf(reply),
  }
}

function sse(model: string, reply: Answer, record: RecordedRequest, over: () => void): ReadableStream {
  const encoder = new TextEncoder()
  return new ReadableStream({
    async start(controller) {
      const send = (data: unknown) => {
        if (!record.cancelled) controller.enqueue(encoder.encode(`data: ${JSON.stringify(data)}\n\n`))
      }
      const chunk = (delta: object, finish: string | null = null) =>
        send({
          id: "chatcmpl-stub",
          object: "chat.completion.chunk",
          created: Math.floor(Date.now() / 1000),
          model,
          choices: [{ index: 0, delta, finish_reason: finish }],
        })
      chunk({ role: "assistant", content: "" })
      if (reply.kind === "text") {
        for (const [field, body] of [["reasoning_content", reply.reasoning], ["content", reply.text]] as const) {
          for (let i = 0; i < body.length; i += reply.chunkSize) {
            if (reply.delayMs > 0) await Bun.sleep(reply.delayMs)
            if (record.cancelled) return
            chunk({ [field]: body.slice(i, i + reply.chunkSize) })
          }
        }
      } else {
        chunk({ tool_calls: toolCalls(reply) })
      }
      chunk({}, reply.kind === "text" ? "stop" : "tool_calls")
      send({ id: "chatcmpl-stub", object: "chat.completion.chunk", model, choices: [], usage: usageOf(reply) })
      over()
      if (record.cancelled) return
      controller.enqueue(encoder.encode("data: [DONE]\n\n"))
      controller.close()
    },
    cancel() {
      record.cancelled = true
      over()
    },
  })
}
