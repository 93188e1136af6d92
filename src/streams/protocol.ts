import { errorResponse } from "../server/errors.ts"
import { formatOffset, parseOffset } from "./offsets.ts"
import type { StoredMessage, StreamMeta, StreamStore } from "./store.ts"

// The Durable Streams HTTP protocol over the SQLite store: PUT create, POST append, GET read
// (catch-up, long-poll, SSE), HEAD, DELETE on /v1/stream/<name>.

export const H = {
  nextOffset: "Stream-Next-Offset",
  upToDate: "Stream-Up-To-Date",
  cursor: "Stream-Cursor",
  sseEncoding: "Stream-SSE-Data-Encoding",
} as const

export interface ProtocolOptions {
  longPollTimeoutMs: number
  /** lifts the server's idle timeout for a request that waits for data (long-poll, SSE) */
  keepOpen?: (request: Request) => void
  /** aborted when the daemon shuts down: live reads end cleanly instead of holding it open */
  closing?: AbortSignal
}

const READ_LIMIT = 1000
const SSE_KEEPALIVE_MS = 15_000
const encoder = new TextEncoder()
const decoder = new TextDecoder()

function mediaType(contentType: string | null | undefined): string {
  return (contentType ?? "application/octet-stream").split(";")[0]!.trim().toLowerCase()
}

export function isJson(contentType: string): boolean {
  return mediaType(contentType) === "application/json"
}

function isText(contentType: string): boolean {
  const type = mediaType(contentType)
  return type.startsWith("text/") || type === "application/json" || type.endsWith("+json")
}

/** Splits a JSON body into messages, flattening one level of array as the protocol asks. */
function jsonMessages(body: Uint8Array): Uint8Array[] | Response {
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(body))
  } catch {
    return errorResponse(400, "invalid_json", "the body is not valid JSON")
  }
  const items = Array.isArray(value) ? value : [value]
  if (items.length === 0) return errorResponse(400, "empty_array", "an empty JSON array appends nothing")
  return items.map((item) => encoder.encode(JSON.stringify(item)))
}

function encodeBody(meta: StreamMeta, messages: StoredMessage[]): Uint8Array<ArrayBuffer> | string {
  if (isJson(meta.contentType)) return `[${messages.map((m) => decoder.decode(m.data)).join(",")}]`
  if (messages.length === 1) return messages[0]!.data
  return Buffer.concat(messages.map((m) => m.data))
}

export function createStreamProtocol(store: StreamStore, options: ProtocolOptions) {
  function streamHeaders(meta: StreamMeta, next: number): Record<string, string> {
    return { "Content-Type": meta.contentType, [H.nextOffset]: formatOffset(next) }
  }

  function notFound(name: string) {
    return errorResponse(404, "stream_not_found", `no stream named ${name}`)
  }

  /** Resolves when the stream gets an append (or is deleted), or after `ms`. */
  function waitForAppend(meta: StreamMeta, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        unsubscribe()
        signal.removeEventListener("abort", done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      const unsubscribe = store.subscribe(meta.id, done)
      signal.addEventListener("abort", done)
    })
  }

  async function put(request: Request, name: string): Promise<Response> {
    const contentType = request.headers.get("content-type") ?? "application/octet-stream"
    const body = new Uint8Array(await request.arrayBuffer())
    let initial: Uint8Array[] | undefined
    if (body.length > 0) {
      const split = isJson(contentType) ? jsonMessages(body) : [body]
      if (split instanceof Response) return split
      initial = split
    }
    const existing = store.get(name)
    if (existing) {
      if (mediaType(existing.contentType) !== mediaType(contentType))
        return errorResponse(409, "stream_exists", `stream ${name} exists with content type ${existing.contentType}`)
      return new Response(null, { status: 200, headers: streamHeaders(existing, existing.tailSeq) })
    }
    const { meta } = store.create(name, { contentType, initial })
    return new Response(null, {
      status: 201,
      headers: { ...streamHeaders(meta, meta.tailSeq), Location: new URL(request.url).pathname },
    })
  }

  async function post(request: Request, name: string): Promise<Response> {
    const meta = store.get(name)
    if (!meta) return notFound(name)
    const contentType = request.headers.get("content-type")
    if (mediaType(contentType) !== mediaType(meta.contentType))
      return errorResponse(409, "content_type_mismatch", `stream ${name} takes ${meta.contentType}, not ${contentType ?? "no content type"}`)
    const body = new Uint8Array(await request.arrayBuffer())
    if (body.length === 0) return errorResponse(400, "empty_body", "an append needs a body")
    const messages = isJson(meta.contentType) ? jsonMessages(body) : [body]
    if (messages instanceof Response) return messages
    const tail = store.append(meta, messages)
    return new Response(null, { status: 204, headers: { [H.nextOffset]: formatOffset(tail) } })
  }

  function head(name: string): Response {
    const meta = store.get(name)
    if (!meta) return new Response(null, { status: 404 })
    return new Response(null, { status: 200, headers: streamHeaders(meta, meta.tailSeq) })
  }

  function remove(name: string): Response {
    return store.delete(name) ? new Response(null, { status: 204 }) : notFound(name)
  }

  async function get(request: Request, name: string): Promise<Response> {
    const url = new URL(request.url)
    let meta = store.get(name)
    if (!meta) return notFound(name)
    const offsetParam = url.searchParams.get("offset") ?? "-1"
    const after = offsetParam === "now" ? meta.tailSeq : parseOffset(offsetParam)
    if (after === undefined) return errorResponse(400, "invalid_offset", `offset ${offsetParam} is not an offset this stream gave out`)
    const live = url.searchParams.get("live")
    if (live === "sse") return sse(request, meta, after)
    if (live !== null && live !== "long-poll")
      return errorResponse(400, "invalid_live_mode", `live must be long-poll or sse, not ${live}`)

    let messages = store.read(meta, after, READ_LIMIT)
    if (messages.length === 0 && live === "long-poll") {
      options.keepOpen?.(request)
      const signal = options.closing ? AbortSignal.any([request.signal, options.closing]) : request.signal
      await waitForAppend(meta, options.longPollTimeoutMs, signal)
      meta = store.get(name)
      if (!meta) return notFound(name)
      messages = store.read(meta, after, READ_LIMIT)
      if (messages.length === 0)
        return new Response(null, { status: 204, headers: { [H.nextOffset]: formatOffset(after), [H.upToDate]: "true" } })
    }
    const next = messages.length ? messages[messages.length - 1]!.seq : after
    const headers = streamHeaders(meta, next)
    if (next >= store.get(name)!.tailSeq) headers[H.upToDate] = "true"
    return new Response(encodeBody(meta, messages), { status: 200, headers })
  }

  function sse(request: Request, start: StreamMeta, after: number): Response {
    options.keepOpen?.(request)
    const binary = !isText(start.contentType)
    const headers: Record<string, string> = {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
    }
    if (binary) headers[H.sseEncoding] = "base64"

    let cursor = after
    let greeted = false
    let wake: (() => void) | undefined
    let closed = false
    // A reader that went away has cancelled the body; closing it again would throw.
    let cancelled = false
    const unsubscribe = store.subscribe(start.id, () => wake?.())
    function end() {
      if (closed) return
      closed = true
      unsubscribe()
      options.closing?.removeEventListener("abort", end)
      wake?.()
    }

    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        // A fresh reader first learns where it stands, even when there is nothing to send yet;
        // after that each pull sends whatever is new, or waits for the next append / keepalive.
        if (!greeted) {
          greeted = true
          controller.enqueue(encoder.encode(controlEvent(after, after >= start.tailSeq)))
          return
        }
        while (!closed) {
          const meta = store.get(start.name)
          if (!meta || meta.id !== start.id) break
          const messages = store.read(meta, cursor, READ_LIMIT)
          if (messages.length > 0) {
            cursor = messages[messages.length - 1]!.seq
            controller.enqueue(encoder.encode(dataEvent(meta, messages, binary) + controlEvent(cursor, cursor >= meta.tailSeq)))
            return
          }
          const keepalive = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(true), SSE_KEEPALIVE_MS)
            wake = () => {
              clearTimeout(timer)
              resolve(false)
            }
          })
          wake = undefined
          if (keepalive) {
            controller.enqueue(encoder.encode(": keepalive\n\n"))
            return
          }
        }
        // The stream was deleted or the daemon is stopping: end the response instead of hanging.
        end()
        if (!cancelled) controller.close()
      },
      cancel() {
        cancelled = true
        end()
      },
    })
    request.signal.addEventListener("abort", end)
    options.closing?.addEventListener("abort", end)
    return new Response(body, { status: 200, headers })
  }

  return async function handle(request: Request, name: string): Promise<Response> {
    switch (request.method) {
      case "PUT":
        return put(request, name)
      case "POST":
        return post(request, name)
      case "GET":
        return get(request, name)
      case "HEAD":
        return head(name)
      case "DELETE":
        return remove(name)
      default:
        return errorResponse(405, "method_not_allowed", `${request.method} is not a stream operation`)
    }
  }
}

function dataEvent(meta: StreamMeta, messages: StoredMessage[], binary: boolean): string {
  const body = encodeBody(meta, messages)
  const text = binary ? Buffer.from(body as Uint8Array).toString("base64") : typeof body === "string" ? body : decoder.decode(body)
  return `event: data\n${text
    .split("\n")
    .map((line) => `data: ${line}`)
    .join("\n")}\n\n`
}

function controlEvent(next: number, upToDate: boolean): string {
  const control: Record<string, unknown> = { streamNextOffset: formatOffset(next) }
  if (upToDate) control.upToDate = true
  return `event: control\ndata: ${JSON.stringify(control)}\n\n`
}
