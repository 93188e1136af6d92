import { dict } from "../../protocol/json.ts"
import { nestedTooDeep, TOO_DEEP } from "../json-depth.ts"
import { streamNameProblem } from "../names.ts"
import type { AckRequest, Reply, Subscriptions } from "./manager.ts"
import type { SubscriptionConfig } from "./records.ts"

// The reserved control namespace under the stream URLs, /v1/stream/__ds/: subscriptions and the
// key set that verifies their webhook signatures.

const DEFAULT_LEASE_MS = 30_000
const MIN_LEASE_MS = 1_000
const MAX_LEASE_MS = 600_000
const ID = /^[A-Za-z0-9_.~-]{1,128}$/
const PATTERN = /^(\*\*|\*|[A-Za-z0-9_~.-]+)(\/(\*\*|\*|[A-Za-z0-9_~.-]+))*$/

const invalid = (message: string): Reply => ({ status: 400, body: { error: { code: "INVALID_REQUEST", message } } })
const notFound = (): Reply => ({ status: 404, body: { error: { code: "not_found", message: "no such control route under /v1/stream/__ds/" } } })
const methodNotAllowed = (): Reply => ({ status: 405, body: { error: { code: "method_not_allowed", message: "not a method of this route" } } })

const trimSlashes = (path: string) => path.replace(/^\/+|\/+$/g, "")

function decoded(component: string): string | undefined {
  try {
    return decodeURIComponent(component)
  } catch {
    return undefined
  }
}

function streamList(value: unknown): string[] | string {
  if (!Array.isArray(value) || value.some((s) => typeof s !== "string")) return "streams must be an array of stream names"
  const streams = [...new Set(value.map(trimSlashes))].sort()
  const bad = streams.map(streamNameProblem).find(Boolean)
  return bad ?? streams
}

/** A PUT body as a subscription's configuration, or what is wrong with it. */
function parseConfig(body: Record<string, unknown>): SubscriptionConfig | string {
  const { type, pattern, webhook, wake_stream: wakeStream, lease_ttl_ms: lease = DEFAULT_LEASE_MS, description } = body
  if (type !== "webhook" && type !== "pull-wake") return 'type must be "webhook" or "pull-wake"'
  if (pattern !== undefined && (typeof pattern !== "string" || !PATTERN.test(trimSlashes(pattern))))
    return "pattern must be stream name segments, * (one segment) or ** (any number)"
  const streams = body.streams === undefined ? [] : streamList(body.streams)
  if (typeof streams === "string") return streams
  if (pattern === undefined && streams.length === 0) return "give a pattern, streams, or both"
  if (!Number.isInteger(lease) || (lease as number) < MIN_LEASE_MS || (lease as number) > MAX_LEASE_MS)
    return `lease_ttl_ms must be a whole number from ${MIN_LEASE_MS} to ${MAX_LEASE_MS}`
  if (description !== undefined && typeof description !== "string") return "description must be a string"
  const url = (webhook as { url?: unknown } | undefined)?.url
  if (type === "webhook" && (typeof url !== "string" || url === "")) return "a webhook subscription needs webhook.url"
  if (type === "pull-wake" && (typeof wakeStream !== "string" || streamNameProblem(trimSlashes(wakeStream))))
    return "a pull-wake subscription needs wake_stream, the name of a JSON stream"
  // Fixed key order: an identical re-PUT must serialise identically.
  return {
    type,
    pattern: pattern === undefined ? undefined : trimSlashes(pattern),
    streams,
    webhookUrl: type === "webhook" ? (url as string) : undefined,
    wakeStream: type === "pull-wake" ? trimSlashes(wakeStream as string) : undefined,
    leaseTtlMs: lease as number,
    description,
  }
}

/** The request's JSON object, or what is wrong with the body. */
async function jsonBody(request: Request): Promise<Record<string, unknown> | string> {
  const text = await request.text()
  if (text === "") return {}
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return "the body must be a JSON object"
  }
  const object = dict(value)
  if (!object) return "the body must be a JSON object"
  return nestedTooDeep(object) ? TOO_DEEP : object
}

const bearer = (request: Request) => request.headers.get("authorization")?.match(/^Bearer (\S+)$/i)?.[1] ?? ""

async function route(subscriptions: Subscriptions, request: Request, path: string): Promise<Reply> {
  const method = request.method
  if (path === "jwks.json") return method === "GET" ? { status: 200, body: subscriptions.jwks } : methodNotAllowed()
  const [root, rawId, action, ...rest] = path.split("/")
  if (root !== "subscriptions" || !rawId) return notFound()
  const id = decoded(rawId)
  if (id === undefined || !ID.test(id)) return invalid("subscription ids are 1 to 128 letters, digits, . _ ~ or -")

  if (action === undefined) {
    if (method === "GET") return subscriptions.get(id)
    if (method === "DELETE") return subscriptions.delete(id)
    if (method !== "PUT") return methodNotAllowed()
  } else if (action === "streams" && rest.length > 0) {
    if (method !== "DELETE") return methodNotAllowed()
    const stream = decoded(rest.join("/"))
    return stream === undefined ? invalid("not a stream name") : subscriptions.removeStream(id, trimSlashes(stream))
  } else if (!["streams", "callback", "claim", "ack", "release"].includes(action) || rest.length > 0) return notFound()
  else if (method !== "POST") return methodNotAllowed()

  const body = await jsonBody(request)
  if (typeof body === "string") return invalid(body)
  switch (action) {
    case undefined: {
      const config = parseConfig(body)
      return typeof config === "string" ? invalid(config) : subscriptions.createOrConfirm(id, config)
    }
    case "streams": {
      const streams = streamList(body.streams)
      if (typeof streams === "string" || streams.length === 0) return invalid("streams must be a non-empty array of stream names")
      return subscriptions.addStreams(id, streams)
    }
    case "claim":
      return typeof body.worker === "string" && body.worker !== "" ? subscriptions.claim(id, body.worker) : invalid("worker must be a non-empty string")
    case "callback":
      return subscriptions.callback(id, bearer(request), body as AckRequest)
    case "ack":
      return subscriptions.ack(id, bearer(request), body as AckRequest)
    default:
      return subscriptions.release(id, bearer(request), body as AckRequest)
  }
}

/** Answers a request for /v1/stream/__ds/<path> (`path` as it came, percent-encoded). */
export async function handleControl(subscriptions: Subscriptions, request: Request, path: string): Promise<Response> {
  const reply = await route(subscriptions, request, path)
  if (reply.body === undefined) return new Response(null, { status: reply.status })
  const contentType = path === "jwks.json" ? "application/jwk-set+json" : "application/json"
  return new Response(JSON.stringify(reply.body), { status: reply.status, headers: { "Content-Type": contentType } })
}

/** The subscription whose wake-token routes (callback, ack, release) this path is, if it is one. */
export function wakeTokenRoute(pathname: string): string | undefined {
  const match = pathname.match(/^\/v1\/stream\/__ds\/subscriptions\/([^/]+)\/(callback|ack|release)$/)
  return match ? decoded(match[1]!) : undefined
}
