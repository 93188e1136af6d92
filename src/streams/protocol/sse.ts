import { isJson, isText } from "../content-type.ts"
import { formatOffset } from "../offsets.ts"
import type { StoredMessage, StreamMeta } from "../store.ts"
import { StoreUnavailableError } from "../../storage/unavailable.ts"
import { joinMessages } from "./body.ts"
import { nextCursor } from "./cursor.ts"
import { H, type ProtocolContext } from "./headers.ts"
import { waitForChange } from "./wait.ts"

// Each `data` event carries what is new (up to this much) and is followed by a `control` event
// with the offset to resume from; a comment keeps idle connections from being cut.
const EVENT_BYTES = 1024 * 1024
const KEEPALIVE_MS = 15_000
// While the store's database is unreachable the reader stays connected and tries again this often.
const UNAVAILABLE_RETRY_MS = 500

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** SSE lines for a payload: one `data:` line per line of it, so nothing in it can end the event. */
function dataLines(payload: string): string {
  // A reader strips one space after `data:`; a line that starts with a space gets one to spare.
  return payload
    .split(/\r\n|\r|\n/)
    .map((line) => (line.startsWith(" ") ? `data: ${line}` : `data:${line}`))
    .join("\n")
}

function dataEvent(meta: StreamMeta, messages: StoredMessage[], base64: boolean): string {
  const bytes = joinMessages(isJson(meta.contentType), messages)
  const payload = base64 ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64") : decoder.decode(bytes)
  return `event: data\n${dataLines(payload)}\n\n`
}

function controlEvent(next: number, upToDate: boolean, closed: boolean, cursor: string | null): string {
  const control: Record<string, unknown> = { streamNextOffset: formatOffset(next) }
  if (closed) control.streamClosed = true
  else {
    control.streamCursor = nextCursor(cursor)
    if (upToDate) control.upToDate = true
  }
  return `event: control\n${dataLines(JSON.stringify(control))}\n\n`
}

/** live=sse: what is there after `after`, then each append as it commits, until the stream is closed. */
export function streamEvents(ctx: ProtocolContext, request: Request, start: StreamMeta, after: number, cursor: string | null): Response {
  ctx.keepOpen?.(request)
  const { store } = ctx
  const base64 = !isText(start.contentType)
  const headers: Record<string, string> = { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" }
  if (base64) headers[H.sseEncoding] = "base64"
  const signal = ctx.closing ? AbortSignal.any([request.signal, ctx.closing]) : request.signal

  let position = after
  let greeted = false
  // A reader that went away has cancelled the body; closing it again would throw.
  let cancelled = false
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const send = (text: string) => controller.enqueue(encoder.encode(text))
      const finish = () => cancelled || controller.close()
      while (!signal.aborted) {
        const seen = store.version(start.id)
        let meta: StreamMeta | undefined
        let messages: StoredMessage[]
        try {
          meta = await store.find(start.name)
          // Deleted (or deleted and made anew): this reader's stream is gone.
          if (!meta || meta.id !== start.id || meta.deleted) break
          messages = await store.read(meta, position, Infinity, EVENT_BYTES)
          if (messages.length > 0) await store.touch(meta)
        } catch (error) {
          if (!(error instanceof StoreUnavailableError)) throw error
          // Live reads outlast a database restart: the reader resumes from its position once it is back.
          await waitForChange(store, start.id, seen, UNAVAILABLE_RETRY_MS, signal)
          continue
        }
        if (messages.length > 0) {
          position = messages[messages.length - 1]!.seq
          const atTail = position >= meta.tailSeq
          send(dataEvent(meta, messages, base64) + controlEvent(position, atTail, meta.closed && atTail, cursor))
          greeted = true
          if (meta.closed && atTail) finish()
          return
        }
        // A reader first learns where it stands, even when there is nothing to send yet; at the
        // end of a closed stream it learns that nothing more will come.
        if (!greeted || meta.closed) {
          send(controlEvent(position, true, meta.closed, cursor))
          greeted = true
          if (meta.closed) finish()
          return
        }
        if (!(await waitForChange(store, meta.id, seen, KEEPALIVE_MS, signal)) && !signal.aborted) {
          send(": keepalive\n\n")
          return
        }
      }
      finish()
    },
    cancel() {
      cancelled = true
    },
  })
  return new Response(body, { status: 200, headers })
}
