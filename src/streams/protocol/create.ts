import { DEFAULT_CONTENT_TYPE, isJson, mediaType, validContentType } from "../content-type.ts"
import { parseLifetime, type Lifetime } from "../expiry.ts"
import { planFork } from "../forks.ts"
import { parseOffset } from "../offsets.ts"
import type { ForkPlan, StreamMeta } from "../store.ts"
import { splitJson } from "./body.ts"
import { H, problem, streamHeaders, type Problem, type ProtocolContext } from "./headers.ts"

const bad = (message: string) => problem({ status: 400, code: "invalid_request", message })

interface CreateRequest extends Lifetime {
  contentType?: string
  closed: boolean
  fork?: { source: string; offset: string | null; subOffset: number }
}

/** Reads the PUT headers; a Response when they are unusable. */
function parseCreate(headers: Headers): CreateRequest | Response {
  const lifetime = parseLifetime(headers.get(H.ttl), headers.get(H.expiresAt))
  if (typeof lifetime === "string") return bad(lifetime)
  const request: CreateRequest = { ...lifetime, contentType: validContentType(headers.get("content-type")), closed: headers.get(H.closed) === "true" }
  const source = headers.get(H.forkedFrom)
  const offset = headers.get(H.forkOffset)
  const subOffset = headers.get(H.forkSubOffset)
  if (source === null) {
    if (offset !== null || subOffset !== null) return bad(`${H.forkOffset} and ${H.forkSubOffset} need ${H.forkedFrom}`)
    return request
  }
  if (offset !== null && parseOffset(offset) === undefined) return bad(`${H.forkOffset} ${offset} is not an offset`)
  if (subOffset !== null && !/^(0|[1-9]\d{0,15})$/.test(subOffset)) return bad(`${H.forkSubOffset} must be a whole number, not ${subOffset}`)
  return { ...request, fork: { source, offset, subOffset: subOffset === null ? 0 : Number(subOffset) } }
}

/** Why an existing stream does not match the PUT that would create it, if it does not. */
async function mismatch(ctx: ProtocolContext, existing: StreamMeta, request: CreateRequest): Promise<string | undefined> {
  const { fork } = request
  if (request.contentType !== undefined || !fork) {
    if (mediaType(request.contentType ?? DEFAULT_CONTENT_TYPE) !== mediaType(existing.contentType)) return `content type ${existing.contentType}`
  }
  // A fork that was given no lifetime inherited its source's, which a repeated PUT need not restate.
  if (!(fork && request.ttlSeconds === undefined && request.expiresAt === undefined)) {
    if (request.ttlSeconds !== existing.ttlSeconds) return "another Stream-TTL"
    if (request.expiresAt !== existing.expiresAt && Date.parse(request.expiresAt ?? "") !== Date.parse(existing.expiresAt ?? ""))
      return "another Stream-Expires-At"
  }
  if (request.closed !== existing.closed) return existing.closed ? "it is closed" : "it is open"
  if (!fork) return existing.forkOf === undefined ? undefined : "it is a fork"
  const sourceName = ctx.streamName(fork.source)
  const source = sourceName === undefined ? undefined : await ctx.store.find(sourceName)
  if (source?.id !== existing.forkOf) return "another source"
  if (fork.offset !== null && parseOffset(fork.offset) !== existing.forkOffset) return "another fork offset"
  if (fork.subOffset !== existing.forkSubOffset) return "another fork sub-offset"
  return undefined
}

/** PUT: creates the stream (a fork when Stream-Forked-From names a source), idempotently. */
export async function createStream(ctx: ProtocolContext, request: Request, name: string): Promise<Response> {
  const parsed = parseCreate(request.headers)
  if (parsed instanceof Response) return parsed
  const body = new Uint8Array(await request.arrayBuffer())

  const existing = await ctx.store.find(name)
  if (existing?.deleted)
    return problem({ status: 409, code: "stream_deleted", message: `stream ${name} was deleted; its name is taken until its forks are gone` })
  if (existing) {
    const why = await mismatch(ctx, existing, parsed)
    if (why) return problem({ status: 409, code: "stream_exists", message: `stream ${name} already exists and differs: ${why}` })
    return new Response(null, { status: 200, headers: streamHeaders(existing) })
  }

  let contentType = parsed.contentType ?? DEFAULT_CONTENT_TYPE
  let lifetime: Lifetime = { ttlSeconds: parsed.ttlSeconds, expiresAt: parsed.expiresAt }
  let fork: ForkPlan | undefined
  if (parsed.fork) {
    const source = ctx.streamName(parsed.fork.source)
    if (source === undefined) return bad(`${H.forkedFrom} ${parsed.fork.source} is not a stream`)
    const planned = await planFork(ctx.store, { ...parsed.fork, source, contentType: parsed.contentType })
    if (!("plan" in planned)) return problem(planned satisfies Problem)
    fork = planned.plan
    contentType = parsed.contentType ?? planned.source.contentType
    // Forks live independently; one without a lifetime of its own takes its source's.
    if (parsed.ttlSeconds === undefined && parsed.expiresAt === undefined)
      lifetime = { ttlSeconds: planned.source.ttlSeconds, expiresAt: planned.source.expiresAt }
  }

  let initial: Uint8Array[] | undefined
  if (body.length > 0) {
    const messages = isJson(contentType) ? splitJson(body, true) : [body]
    if (typeof messages === "string") return bad(messages)
    initial = messages
  }
  const { meta } = await ctx.store.create(name, { contentType, initial, ...lifetime, closed: parsed.closed, fork })
  const url = new URL(request.url)
  return new Response(null, { status: 201, headers: { ...streamHeaders(meta), Location: url.origin + url.pathname } })
}
