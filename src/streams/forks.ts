import { isJson, mediaType } from "./content-type.ts"
import { parseOffset } from "./offsets.ts"
import type { Problem } from "./protocol/headers.ts"
import type { ForkPlan, StreamMeta, StreamStore } from "./store.ts"

export interface ForkRequest {
  source: string
  /** the new stream's Content-Type, when the request gave one */
  contentType?: string
  /** Stream-Fork-Offset; the source's tail when absent */
  offset: string | null
  /**
   * Stream-Fork-Sub-Offset: how much of the message after the offset the fork also keeps —
   * bytes of it for byte streams, further messages for JSON streams (where every message has
   * its own offset, so the fork simply branches that many messages later).
   */
  subOffset: number
}

const bad = (message: string): Problem => ({ status: 400, code: "invalid_fork", message })

/** Where the fork branches off its source, or why it cannot. */
export async function planFork(store: StreamStore, request: ForkRequest): Promise<{ source: StreamMeta; plan: ForkPlan } | Problem> {
  const source = await store.find(request.source)
  if (!source) return { status: 404, code: "source_not_found", message: `no stream named ${request.source} to fork` }
  if (source.deleted) return { status: 409, code: "source_deleted", message: `stream ${request.source} was deleted; it cannot be forked` }
  if (request.contentType !== undefined && mediaType(request.contentType) !== mediaType(source.contentType))
    return { status: 409, code: "content_type_mismatch", message: `a fork of ${request.source} holds ${source.contentType}` }

  const offset = request.offset === null ? source.tailSeq : parseOffset(request.offset)
  if (offset === undefined) return bad(`Stream-Fork-Offset ${request.offset} is not an offset`)
  if (offset > source.tailSeq) return bad(`Stream-Fork-Offset ${request.offset} is past the end of ${request.source}`)
  const plan: ForkPlan = { sourceId: source.id, offset: request.offset === null ? undefined : offset, subOffset: request.subOffset, baseSeq: offset }
  if (request.subOffset === 0) return { source, plan }
  if (request.offset === null) return bad("Stream-Fork-Sub-Offset needs a Stream-Fork-Offset")

  if (isJson(source.contentType)) {
    if ((await store.read(source, offset, request.subOffset)).length < request.subOffset)
      return bad(`${request.source} has fewer than ${request.subOffset} messages after ${request.offset}`)
    return { source, plan: { ...plan, baseSeq: offset + request.subOffset } }
  }
  const [next] = await store.read(source, offset, 1)
  if (!next || next.data.length < request.subOffset)
    return bad(`the message after ${request.offset} in ${request.source} is shorter than ${request.subOffset} bytes`)
  return { source, plan: { ...plan, prefix: next.data.subarray(0, request.subOffset) } }
}
