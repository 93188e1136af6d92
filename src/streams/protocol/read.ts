import { isJson } from "../content-type.ts"
import { formatOffset, parseOffset } from "../offsets.ts"
import type { StreamMeta } from "../store.ts"
import { joinMessages } from "./body.ts"
import { nextCursor } from "./cursor.ts"
import { gone, H, notFound, problem, streamHeaders, type ProtocolContext } from "./headers.ts"
import { streamEvents } from "./sse.ts"
import { waitForChange } from "./wait.ts"

// About how much one catch-up response carries; a bigger read continues from its next offset.
const READ_BYTES = 4 * 1024 * 1024

const bad = (message: string) => problem({ status: 400, code: "invalid_offset", message })

/** GET: catch-up from an offset, or live with live=long-poll or live=sse. */
export async function readStream(ctx: ProtocolContext, request: Request, name: string): Promise<Response> {
  const query = new URL(request.url).searchParams
  const live = query.get("live")
  if (live !== null && live !== "long-poll" && live !== "sse")
    return problem({ status: 400, code: "invalid_live_mode", message: `live must be long-poll or sse, not ${live}` })
  const offsets = query.getAll("offset")
  if (offsets.length > 1) return bad("give one offset")
  const offset = offsets[0]

  let meta = await ctx.store.find(name)
  if (!meta) return notFound(name)
  if (meta.deleted) return gone(name)
  if (live !== null && offset === undefined) return bad(`live=${live} needs an offset (-1 for the start, now for the tail)`)
  const after = offset === undefined ? 0 : offset === "now" ? meta.tailSeq : parseOffset(offset)
  if (after === undefined) return bad(`offset ${JSON.stringify(offset)} is not an offset this stream gave out`)
  if (after > meta.tailSeq) return bad(`offset ${offset} is past the end of stream ${name}`)
  await ctx.store.touch(meta)

  if (live === "sse") return streamEvents(ctx, request, meta, after, query.get("cursor"))
  if (offset === "now" && live === null) {
    const empty = isJson(meta.contentType) ? "[]" : ""
    return new Response(empty, { status: 200, headers: { ...streamHeaders(meta), [H.upToDate]: "true", "Cache-Control": "no-store" } })
  }

  // Taken before the read: a change that commits after it wakes the wait below at once.
  let seen = ctx.store.version(meta.id)
  let messages = await ctx.store.read(meta, after, Infinity, READ_BYTES)
  if (messages.length === 0 && live === "long-poll") {
    const cursor = { [H.cursor]: nextCursor(query.get("cursor")) }
    if (!meta.closed) {
      ctx.keepOpen?.(request)
      const signal = ctx.closing ? AbortSignal.any([request.signal, ctx.closing]) : request.signal
      const deadline = Date.now() + ctx.longPollTimeoutMs
      // A wake-up can find nothing new (another node's notice of data this reader already has):
      // then the read waits out the rest of its time.
      while (messages.length === 0 && !meta.closed && (await waitForChange(ctx.store, meta.id, seen, deadline - Date.now(), signal))) {
        seen = ctx.store.version(meta.id)
        meta = await ctx.store.find(name)
        if (!meta) return notFound(name)
        if (meta.deleted) return gone(name)
        await ctx.store.touch(meta)
        messages = await ctx.store.read(meta, after, Infinity, READ_BYTES)
      }
    }
    if (messages.length === 0) {
      const headers: Record<string, string> = { ...streamHeaders(meta, after), [H.upToDate]: "true", ...cursor }
      delete headers["Content-Type"]
      return new Response(null, { status: 204, headers })
    }
  }
  return respond(request, meta, offset, after, messages, live === "long-poll" ? nextCursor(query.get("cursor")) : undefined)
}

function respond(
  request: Request,
  meta: StreamMeta,
  offset: string | undefined,
  after: number,
  messages: { seq: number; data: Uint8Array<ArrayBuffer> }[],
  cursor: string | undefined,
): Response {
  const next = messages.length ? messages[messages.length - 1]!.seq : after
  const upToDate = next >= meta.tailSeq
  const headers = streamHeaders(meta, next)
  if (upToDate) headers[H.upToDate] = "true"
  if (cursor) headers[H.cursor] = cursor
  // Identifies the bytes of this response: the stream instance, the range, and whether it ends the stream.
  const etag = `"${meta.id}:${offset ?? "-1"}:${formatOffset(next)}${headers[H.closed] ? ":c" : ""}"`
  headers.ETag = etag
  // Caches may keep a read but must revalidate it: the same URL returns more once the stream grows.
  headers["Cache-Control"] = "private, no-cache"
  const ifNoneMatch = request.headers.get("if-none-match")
  if (ifNoneMatch && ifNoneMatch.split(",").some((tag) => tag.trim() === etag || tag.trim() === "*"))
    return new Response(null, { status: 304, headers: { ETag: etag, "Cache-Control": headers["Cache-Control"] } })
  return new Response(joinMessages(isJson(meta.contentType), messages), { status: 200, headers })
}
