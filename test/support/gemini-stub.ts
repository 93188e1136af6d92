// A scripted Gemini API on loopback, for Gemini CLI (which reaches it through
// GOOGLE_GEMINI_BASE_URL): everything between the prompt and the model is the real gemini.
//
//   const stub = useGeminiStub()                       // up for the file, script cleared after each test
//   stub.reply(functionCall("write_file", { file_path, content }), text("Done."))
//   stub.turns                                         // what the model was asked, in order
//
// Each POST /v1beta/models/<model>:streamGenerateContent takes the next scripted reply and streams
// it as SSE (`data: <GenerateContentResponse>` per chunk, the last with finishReason and usage).
// What Gemini CLI asks on its own behalf is answered outside the script: a request that is not
// streamed (its model router's classifier, a session title) gets a fixed JSON answer, countTokens a
// fixed count — so a test scripts only the turns of the conversation.
import { createRequire } from "node:module"
import { forFile, ScriptedServer } from "./scripted-server.ts"

/** Gemini CLI from its devDependency: the script its `gemini` bin runs on Node. */
export const testGeminiCli = () => createRequire(import.meta.url).resolve("@google/gemini-cli/bundle/gemini.js")

/** ~/.gemini/settings.json for a test: no usage statistics, no update checks (nothing leaves loopback). */
export const GEMINI_SETTINGS = {
  privacy: { usageStatisticsEnabled: false },
  general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
  telemetry: { enabled: false },
}

export type GeminiPart = { text: string } | { functionCall: { name: string; args: Record<string, unknown> } }

export type GeminiReply = { kind: "message"; parts: GeminiPart[]; chunkSize: number; delayMs: number } | { kind: "failure"; status: number; message: string }

/** A reply with `body`, streamed in chunks of `chunkSize` characters, `delayMs` apart. */
export function text(body: string, options: { chunkSize?: number; delayMs?: number } = {}): GeminiReply {
  return { kind: "message", parts: [{ text: body }], chunkSize: options.chunkSize ?? 8, delayMs: options.delayMs ?? 0 }
}

/** A reply that calls a Gemini CLI tool, e.g. `write_file` with `{ file_path, content }`. */
export function functionCall(name: string, args: Record<string, unknown>): GeminiReply {
  return { kind: "message", parts: [{ functionCall: { name, args } }], chunkSize: 8, delayMs: 0 }
}

export function failure(message: string, status = 400): GeminiReply {
  return { kind: "failure", status, message }
}

export interface GeminiRequest {
  path: string
  /** the request, with its `contents` also as `messages` (what the harness suites read) */
  body: { contents: unknown[]; messages: unknown[]; tools?: unknown[] }
  cancelled: boolean
}

// The model router asks which model a prompt needs; a low score keeps the default one.
const SIDE_ANSWER = JSON.stringify({ complexity_reasoning: "A scripted turn.", complexity_score: 10 })
const USAGE = { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 }

export class GeminiStub extends ScriptedServer<GeminiReply, GeminiRequest> {
  constructor() {
    super("Gemini stub")
  }

  /** For GOOGLE_GEMINI_BASE_URL. */
  get url(): string {
    return this.origin
  }

  /** The streamed requests: the turns of the conversation. */
  get turns(): GeminiRequest[] {
    return this.requests
  }

  protected async handle(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname
    if (path.endsWith(":countTokens")) return Response.json({ totalTokens: 42 })
    if (path.endsWith(":generateContent")) return Response.json({ candidates: [{ content: { role: "model", parts: [{ text: SIDE_ANSWER }] }, finishReason: "STOP", index: 0 }], usageMetadata: USAGE })
    if (req.method !== "POST" || !path.endsWith(":streamGenerateContent")) return Response.json({ error: { code: 404, message: `no route ${req.method} ${path}`, status: "NOT_FOUND" } }, { status: 404 })
    const body = (await req.json()) as { contents: unknown[]; tools?: unknown[] }
    const record: GeminiRequest = { path, body: { ...body, messages: body.contents }, cancelled: false }
    this.requests.push(record)
    const reply = this.script.shift() ?? failure("the Gemini stub has no scripted reply left for this request")
    if (reply.kind === "failure") return Response.json({ error: { code: reply.status, message: reply.message, status: "INVALID_ARGUMENT" } }, { status: reply.status })
    return new Response(sse(reply, record), { headers: { "content-type": "text/event-stream" } })
  }
}

/** A stub for a whole file: started before the first test, script cleared after each, stopped at the end. */
export const useGeminiStub = () => forFile(new GeminiStub())

function sse(reply: Extract<GeminiReply, { kind: "message" }>, record: GeminiRequest): ReadableStream {
  const encoder = new TextEncoder()
  return new ReadableStream({
    async start(controller) {
      const send = (parts: GeminiPart[], last: boolean) => {
        const chunk = { candidates: [{ content: { role: "model", parts }, index: 0, ...(last && { finishReason: "STOP" }) }], ...(last && { usageMetadata: USAGE }) }
        if (!record.cancelled) controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\r\n\r\n`))
      }
      const pieces: GeminiPart[] = reply.parts.flatMap((part) => {
        if (!("text" in part)) return [part]
        const chunks: GeminiPart[] = []
        for (let i = 0; i < part.text.length; i += reply.chunkSize) chunks.push({ text: part.text.slice(i, i + reply.chunkSize) })
        return chunks
      })
      for (const [i, piece] of pieces.entries()) {
        if (reply.delayMs > 0) await Bun.sleep(reply.delayMs)
        if (record.cancelled) return
        send([piece], i === pieces.length - 1)
      }
      if (!record.cancelled) controller.close()
    },
    cancel() {
      record.cancelled = true
    },
  })
}
