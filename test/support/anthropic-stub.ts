// A scripted Anthropic Messages API on loopback, for Claude Code (which reaches it through
// ANTHROPIC_BASE_URL): everything between the prompt and the model is the real claude binary.
//
//   const stub = useAnthropicStub()                  // up for the file, script cleared after each test
//   stub.reply(toolUse("Write", { file_path, content }), text("Done."))
//   ... prompt claude ...
//   stub.turns                                       // what the model was asked, in order
//
// Each POST /v1/messages takes the next scripted reply and streams it as SSE (message_start,
// content_block_start/delta/stop per block, message_delta with the stop reason, message_stop),
// or answers it whole when the request does not ask for a stream. What Claude Code 2.1 asks on
// its own behalf is answered outside the script: POST /v1/messages/count_tokens gets a fixed
// count, and a request with no tools (a side question such as a session title or a summary)
// gets a fixed text — so a test scripts only the turns of the conversation.
import { forFile, forTest, ScriptedServer } from "./scripted-server.ts"

export type StubBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> }

export type StubReply =
  | { kind: "message"; blocks: StubBlock[]; chunkSize: number; delayMs: number; usage: StubUsage }
  | { kind: "failure"; status: number; type: string; message: string; retry: boolean }

export interface StubUsage {
  input_tokens: number
  output_tokens: number
  cache_read_input_tokens?: number
  cache_creation_input_tokens?: number
}

const USAGE: StubUsage = { input_tokens: 10, output_tokens: 5 }

/**
 * A reply with `body`, streamed in chunks of `chunkSize` characters; `delayMs` between chunks
 * makes it slow (for aborts); `thinking` is streamed first as a thinking block.
 */
export function text(
  body: string,
  options: { chunkSize?: number; delayMs?: number; thinking?: string; usage?: StubUsage } = {},
): StubReply {
  const blocks: StubBlock[] = options.thinking ? [{ type: "thinking", thinking: options.thinking }] : []
  blocks.push({ type: "text", text: body })
  return { kind: "message", blocks, chunkSize: options.chunkSize ?? 8, delayMs: options.delayMs ?? 0, usage: options.usage ?? USAGE }
}

let callCounter = 0
/** A reply that asks Claude Code to run tools, e.g. `Write` with `{ file_path, content }`; `say` comes first as text. */
export function toolUse(name: string, input: Record<string, unknown>, options: { say?: string; more?: Array<[string, Record<string, unknown>]> } = {}): StubReply {
  const blocks: StubBlock[] = options.say ? [{ type: "text", text: options.say }] : []
  for (const [tool, args] of [[name, input] as [string, Record<string, unknown>], ...(options.more ?? [])])
    blocks.push({ type: "tool_use", id: `toolu_stub_${++callCounter}`, name: tool, input: args })
  return { kind: "message", blocks, chunkSize: 8, delayMs: 0, usage: USAGE }
}

/**
 * An API error response. It says `x-should-retry: false`, which Claude Code obeys, so the turn
 * fails at once; with `retry` it leaves that out and claude retries as it would (a 529 up to
 * CLAUDE_CODE_MAX_RETRIES times, with backoff), each retry taking the next scripted reply.
 */
export function failure(message: string, status = 400, options: { retry?: boolean } = {}): StubReply {
  const type = status === 529 ? "overloaded_error" : status >= 500 ? "api_error" : "invalid_request_error"
  return { kind: "failure", status, type, message, retry: options.retry ?? false }
}

export interface StubRequest {
  model: string
  stream?: boolean
  system?: unknown
  tools?: unknown[]
  messages: Array<{ role: string; content: string | Array<Record<string, unknown>> }>
}

export interface RecordedRequest {
  path: string
  body: StubRequest
  /** True when the client went away before the reply was complete (an abort). */
  cancelled: boolean
  /** Took a scripted reply (false for count_tokens and side questions). */
  scripted: boolean
}

export const STUB_SIDE_TEXT = "Stub side answer"

export class AnthropicStub extends ScriptedServer<StubReply, RecordedRequest> {
  private messageCounter = 0

  constructor() {
    super("Anthropic stub")
  }

  /** For ANTHROPIC_BASE_URL: the origin, without /v1 (the client adds it). */
  get url(): string {
    return this.origin
  }

  /** The requests that took a scripted reply. */
  get turns(): RecordedRequest[] {
    return this.requests.filter((r) => r.scripted)
  }

  protected async handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname
    if (req.method === "POST" && path === "/v1/messages/count_tokens") {
      this.requests.push({ path, body: (await req.json()) as StubRequest, cancelled: false, scripted: false })
      return Response.json({ input_tokens: 42 })
    }
    if (req.method !== "POST" || path !== "/v1/messages")
      return Response.json({ type: "error", error: { type: "not_found_error", message: `no route ${req.method} ${path}` } }, { status: 404 })

    const body = (await req.json()) as StubRequest
    const scripted = (body.tools?.length ?? 0) > 0
    const record: RecordedRequest = { path, body, cancelled: false, scripted }
    this.requests.push(record)
    const reply = (scripted ? this.script.shift() : text(STUB_SIDE_TEXT)) ?? failure("the Anthropic stub has no scripted reply left for this request")
    if (reply.kind === "failure")
      return Response.json(
        { type: "error", error: { type: reply.type, message: reply.message } },
        { status: reply.status, headers: reply.retry ? {} : { "x-should-retry": "false" } },
      )
    const id = `msg_stub_${++this.messageCounter}`
    if (!body.stream) return Response.json(whole(id, body.model, reply))
    return new Response(sse(id, body.model, reply, record), { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } })
  }
}

/** A stub for one test: started now, stopped when the test finishes. */
export const startAnthropicStub = () => forTest(new AnthropicStub())

/** A stub for a whole file: started before the first test, script cleared after each, stopped at the end. */
export const useAnthropicStub = () => forFile(new AnthropicStub())

type Answer = Extract<StubReply, { kind: "message" }>

const stopReason = (reply: Answer) => (reply.blocks.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn")

// A thinking block carries a signature the API checks when it is sent back; any string does here.
const complete = (block: StubBlock) => (block.type === "thinking" ? { ...block, signature: "stub-signature" } : block)

function whole(id: string, model: string, reply: Answer) {
  return { id, type: "message", role: "assistant", model, content: reply.blocks.map(complete), stop_reason: stopReason(reply), stop_sequence: null, usage: reply.usage }
}

function sse(id: string, model: string, reply: Answer, record: RecordedRequest): ReadableStream {
  const encoder = new TextEncoder()
  return new ReadableStream({
    async start(controller) {
      const send = (data: { type: string }) => {
        if (!record.cancelled) controller.enqueue(encoder.encode(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`))
      }
      const pieces = async (index: number, body: string, delta: (piece: string) => object) => {
        for (let i = 0; i < body.length; i += reply.chunkSize) {
          if (reply.delayMs > 0) await Bun.sleep(reply.delayMs)
          if (record.cancelled) return
          send({ type: "content_block_delta", index, delta: delta(body.slice(i, i + reply.chunkSize)) } as never)
        }
      }
      const { output_tokens, ...input } = reply.usage
      send({ type: "message_start", message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { ...input, output_tokens: 1 } } } as never)
      for (const [index, block] of reply.blocks.entries()) {
        if (block.type === "text") {
          send({ type: "content_block_start", index, content_block: { type: "text", text: "" } } as never)
          await pieces(index, block.text, (piece) => ({ type: "text_delta", text: piece }))
        } else if (block.type === "thinking") {
          send({ type: "content_block_start", index, content_block: { type: "thinking", thinking: "", signature: "" } } as never)
          await pieces(index, block.thinking, (piece) => ({ type: "thinking_delta", thinking: piece }))
          send({ type: "content_block_delta", index, delta: { type: "signature_delta", signature: "stub-signature" } } as never)
        } else {
          send({ type: "content_block_start", index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } } as never)
          send({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } } as never)
        }
        send({ type: "content_block_stop", index } as never)
      }
      send({ type: "message_delta", delta: { stop_reason: stopReason(reply), stop_sequence: null }, usage: { output_tokens } } as never)
      send({ type: "message_stop" })
      if (!record.cancelled) controller.close()
    },
    cancel() {
      record.cancelled = true
    },
  })
}
