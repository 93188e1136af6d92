// A scripted OpenAI Responses API on loopback, for Codex (a `model_providers` entry in
// $CODEX_HOME/config.toml with `base_url` and `wire_api = "responses"`, see codex-project.ts):
// everything between the prompt and the model is the real codex binary.
//
//   const stub = useResponsesStub()                  // up for the file, script cleared after each test
//   stub.reply(shell("ls"), text("Done."))
//   ... prompt codex ...
//   stub.turns                                       // what the model was asked, in order
//
// Each POST /v1/responses takes the next scripted reply and streams it as SSE, the way the API
// does: response.created, then per output item output_item.added, its deltas (output_text,
// reasoning_summary_text, function_call_arguments, custom_tool_call_input) and output_item.done,
// then response.completed with the usage (or response.failed). A failure is an HTTP error body.
import { forFile, forTest, ScriptedServer } from "./scripted-server.ts"

export type StubItem =
  | { type: "message"; text: string }
  | { type: "reasoning"; summary: string }
  | { type: "function_call"; name: string; arguments: string; call_id: string }
  | { type: "custom_tool_call"; name: string; input: string; call_id: string }

export interface StubUsage {
  input_tokens: number
  output_tokens: number
  cached_tokens?: number
  reasoning_tokens?: number
}

export type StubReply =
  | { kind: "response"; items: StubItem[]; chunkSize: number; delayMs: number; usage: StubUsage }
  | { kind: "failure"; status: number; message: string }

const USAGE: StubUsage = { input_tokens: 10, output_tokens: 5 }

/**
 * A reply with `body`, streamed in chunks of `chunkSize` characters; `delayMs` between chunks
 * makes it slow (for aborts); `reasoning` is streamed first as a reasoning summary.
 */
export function text(body: string, options: { chunkSize?: number; delayMs?: number; reasoning?: string; usage?: StubUsage } = {}): StubReply {
  const items: StubItem[] = options.reasoning ? [{ type: "reasoning", summary: options.reasoning }] : []
  items.push({ type: "message", text: body })
  return { kind: "response", items, chunkSize: options.chunkSize ?? 8, delayMs: options.delayMs ?? 0, usage: options.usage ?? USAGE }
}

let callCounter = 0
const callId = () => `call_stub_${++callCounter}`

/** A reply that calls the function tool `name` with `args`; `say` comes first as text. */
export function functionCall(name: string, args: Record<string, unknown>, options: { say?: string } = {}): StubReply {
  const items: StubItem[] = options.say ? [{ type: "message", text: options.say }] : []
  items.push({ type: "function_call", name, arguments: JSON.stringify(args), call_id: callId() })
  return { kind: "response", items, chunkSize: 8, delayMs: 0, usage: USAGE }
}

/** Codex's exec_command tool running `line` in the user's shell. */
export const exec = (line: string, options: { say?: string } = {}) => functionCall("exec_command", { cmd: line }, options)

/** Codex's apply_patch tool (a freeform tool: its input is the patch itself). */
export function applyPatch(patch: string): StubReply {
  return { kind: "response", items: [{ type: "custom_tool_call", name: "apply_patch", input: patch, call_id: callId() }], chunkSize: 8, delayMs: 0, usage: USAGE }
}

/** The patch that creates `path` (relative to the agent's directory) holding `content`. */
export function addFilePatch(path: string, content: string): string {
  const lines = content.replace(/\n$/, "").split("\n")
  return ["*** Begin Patch", `*** Add File: ${path}`, ...lines.map((line) => `+${line}`), "*** End Patch"].join("\n")
}

/** The patch that replaces the line `before` with `after` in `path`. */
export function updateFilePatch(path: string, before: string, after: string): string {
  return ["*** Begin Patch", `*** Update File: ${path}`, "@@", `-${before}`, `+${after}`, "*** End Patch"].join("\n")
}

/** Codex's update_plan tool: the model's plan, each step pending, in_progress or completed. */
export const updatePlan = (plan: Array<{ step: string; status: "pending" | "in_progress" | "completed" }>, explanation?: string) =>
  functionCall("update_plan", { ...(explanation && { explanation }), plan })

/** An API error response (400 is not retried). */
export function failure(message: string, status = 400): StubReply {
  return { kind: "failure", status, message }
}

export interface StubRequest {
  model: string
  stream?: boolean
  instructions?: string
  tools?: Array<Record<string, unknown>>
  input: Array<Record<string, unknown>>
}

export interface RecordedRequest {
  path: string
  body: StubRequest
  /** True when the client went away before the reply was complete (an abort). */
  cancelled: boolean
}

export class ResponsesStub extends ScriptedServer<StubReply, RecordedRequest> {
  private responseCounter = 0

  constructor() {
    super("Responses stub")
  }

  /** For a model provider's base_url: the origin and /v1 (the client adds /responses). */
  get url(): string {
    return `${this.origin}/v1`
  }

  /** The model requests, in order. */
  get turns(): RecordedRequest[] {
    return this.requests
  }

  protected async handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname
    if (req.method === "GET" && path === "/v1/models") return Response.json({ object: "list", data: [{ id: "stub-model", object: "model", owned_by: "stub" }] })
    if (req.method !== "POST" || path !== "/v1/responses") return Response.json({ error: { message: `no route ${req.method} ${path}` } }, { status: 404 })
    const body = (await req.json()) as StubRequest
    const record: RecordedRequest = { path, body, cancelled: false }
    this.requests.push(record)
    const reply = this.script.shift() ?? failure("the Responses stub has no scripted reply left for this request")
    if (reply.kind === "failure") return Response.json({ error: { type: "invalid_request_error", code: null, message: reply.message } }, { status: reply.status })
    const id = `resp_stub_${++this.responseCounter}`
    return new Response(sse(id, body.model, reply, record), { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } })
  }
}

/** A stub for one test: started now, stopped when the test finishes. */
export const startResponsesStub = () => forTest(new ResponsesStub())

/** A stub for a whole file: started before the first test, script cleared after each, stopped at the end. */
export const useResponsesStub = () => forFile(new ResponsesStub())

type Answer = Extract<StubReply, { kind: "response" }>

/** An output item as it is when done, with the id the API gives it. */
function done(item: StubItem, id: string): Record<string, unknown> {
  switch (item.type) {
    case "message":
      return { type: "message", id, status: "completed", role: "assistant", content: [{ type: "output_text", text: item.text, annotations: [] }] }
    case "reasoning":
      return { type: "reasoning", id, summary: [{ type: "summary_text", text: item.summary }] }
    case "function_call":
      return { type: "function_call", id, status: "completed", name: item.name, arguments: item.arguments, call_id: item.call_id }
    case "custom_tool_call":
      return { type: "custom_tool_call", id, status: "completed", name: item.name, input: item.input, call_id: item.call_id }
  }
}

/** The item as output_item.added announces it: nothing of its content yet. */
function added(item: StubItem, id: string): Record<string, unknown> {
  const whole = done(item, id)
  switch (item.type) {
    case "message":
      return { ...whole, status: "in_progress", content: [] }
    case "reasoning":
      return { ...whole, summary: [] }
    case "function_call":
      return { ...whole, status: "in_progress", arguments: "" }
    case "custom_tool_call":
      return { ...whole, status: "in_progress", input: "" }
  }
}

function usageOf(usage: StubUsage) {
  return {
    input_tokens: usage.input_tokens,
    input_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
    output_tokens: usage.output_tokens,
    output_tokens_details: { reasoning_tokens: usage.reasoning_tokens ?? 0 },
    total_tokens: usage.input_tokens + usage.output_tokens,
  }
}

function sse(responseId: string, model: string, reply: Answer, record: RecordedRequest): ReadableStream {
  const encoder = new TextEncoder()
  let sequence = 0
  return new ReadableStream({
    async start(controller) {
      const send = (data: Record<string, unknown> & { type: string }) => {
        if (!record.cancelled) controller.enqueue(encoder.encode(`event: ${data.type}\ndata: ${JSON.stringify({ ...data, sequence_number: sequence++ })}\n\n`))
      }
      /** `body` in pieces of chunkSize, each sent as `delta(piece)`; false when the client went away */
      const pieces = async (body: string, delta: (piece: string) => Record<string, unknown> & { type: string }) => {
        for (let i = 0; i < body.length; i += reply.chunkSize) {
          if (reply.delayMs > 0) await Bun.sleep(reply.delayMs)
          if (record.cancelled) return false
          send(delta(body.slice(i, i + reply.chunkSize)))
        }
        return true
      }
      const response = { id: responseId, object: "response", model, status: "in_progress", output: [] as unknown[] }
      send({ type: "response.created", response })
      for (const [output_index, item] of reply.items.entries()) {
        const item_id = `${item.type === "message" ? "msg" : item.type === "reasoning" ? "rs" : "fc"}_${responseId}_${output_index}`
        send({ type: "response.output_item.added", output_index, item: added(item, item_id) })
        const at = { item_id, output_index }
        if (item.type === "message") {
          send({ type: "response.content_part.added", ...at, content_index: 0, part: { type: "output_text", text: "", annotations: [] } })
          if (!(await pieces(item.text, (delta) => ({ type: "response.output_text.delta", ...at, content_index: 0, delta })))) return
          send({ type: "response.output_text.done", ...at, content_index: 0, text: item.text })
        } else if (item.type === "reasoning") {
          send({ type: "response.reasoning_summary_part.added", ...at, summary_index: 0, part: { type: "summary_text", text: "" } })
          if (!(await pieces(item.summary, (delta) => ({ type: "response.reasoning_summary_text.delta", ...at, summary_index: 0, delta })))) return
          send({ type: "response.reasoning_summary_text.done", ...at, summary_index: 0, text: item.summary })
        } else if (item.type === "function_call") {
          send({ type: "response.function_call_arguments.delta", ...at, delta: item.arguments })
          send({ type: "response.function_call_arguments.done", ...at, arguments: item.arguments })
        } else {
          send({ type: "response.custom_tool_call_input.delta", ...at, delta: item.input })
          send({ type: "response.custom_tool_call_input.done", ...at, input: item.input })
        }
        const whole = done(item, item_id)
        response.output.push(whole)
        send({ type: "response.output_item.done", output_index, item: whole })
      }
      send({ type: "response.completed", response: { ...response, status: "completed", usage: usageOf(reply.usage) } })
      if (!record.cancelled) controller.close()
    },
    cancel() {
      record.cancelled = true
    },
  })
}
