import { z, type OpenAPIHono } from "@hono/zod-openapi"
import { RESERVED } from "../../streams/names.ts"
import { handleControl } from "../../streams/subscriptions/control.ts"
import type { DaemonContext } from "../context.ts"
import { ErrorSchema, errorResponses, storeUnavailableResponse } from "../schemas.ts"

const ROOT = `/v1/stream/${RESERVED}`

const Id = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, description: "subscription id" }) })
const StreamInfo = z
  .object({
    path: z.string().openapi({ description: "stream name" }),
    link_type: z.enum(["explicit", "glob"]),
    acked_offset: z.string().openapi({ description: "acknowledged up to here (-1: nothing yet)" }),
    tail_offset: z.string(),
    has_pending: z.boolean(),
  })
  .openapi("SubscriptionStream")
const SubscriptionInput = z
  .object({
    type: z.enum(["webhook", "pull-wake"]),
    pattern: z.string().optional().openapi({ description: "stream names to follow: * is one segment, ** any number" }),
    streams: z.array(z.string()).optional().openapi({ description: "streams to follow by name" }),
    webhook: z.object({ url: z.string() }).optional().openapi({ description: "webhook: where wakes are POSTed (https, or http to localhost)" }),
    wake_stream: z.string().optional().openapi({ description: "pull-wake: the JSON stream wakes are announced on" }),
    lease_ttl_ms: z.number().int().min(1000).max(600_000).optional().openapi({ description: "how long a wake is held (default 30 s)" }),
    description: z.string().optional(),
  })
  .openapi("SubscriptionInput")
const Subscription = z
  .object({
    id: z.string(),
    type: z.enum(["webhook", "pull-wake"]),
    pattern: z.string().optional(),
    streams: z.array(StreamInfo.pick({ path: true, link_type: true, acked_offset: true })),
    webhook: z.object({ url: z.string(), signing: z.object({ alg: z.literal("ed25519"), kid: z.string(), jwks_url: z.string() }) }).optional(),
    wake_stream: z.string().optional(),
    lease_ttl_ms: z.number().int(),
    created_at: z.string(),
    status: z.enum(["active", "failed"]),
    description: z.string().optional(),
  })
  .openapi("Subscription")
const Acknowledgement = z
  .object({
    wake_id: z.string(),
    generation: z.number().int(),
    acks: z.array(z.object({ stream: z.string(), offset: z.string() })).optional(),
    done: z.boolean().optional().openapi({ description: "true: the wake is finished" }),
  })
  .openapi("WakeAcknowledgement")

const json = <T extends z.ZodType>(schema: T) => ({ content: { "application/json": { schema } } })
const error = (description: string) => ({ description, ...json(ErrorSchema) })
const byWakeToken = "Authorized by the wake's token (Authorization: Bearer <token>), not the daemon's."

/** The subscription routes are served by the control handler; their shapes are documented here. */
function documentSubscriptions(app: OpenAPIHono) {
  const path = `${ROOT}/subscriptions/{id}`
  // Subscriptions live in the store: every route but the key set may meet an unreachable database.
  type Route = Parameters<typeof app.openAPIRegistry.registerPath>[0]
  const register = (route: Route) => app.openAPIRegistry.registerPath({ ...route, responses: { ...route.responses, ...storeUnavailableResponse } })
  app.openAPIRegistry.registerPath({
    method: "get",
    path: `${ROOT}/jwks.json`,
    operationId: "getWebhookKeys",
    summary: "The public keys that verify webhook signatures (JWKS)",
    responses: { 200: { description: "Key set", content: { "application/jwk-set+json": { schema: z.object({ keys: z.array(z.record(z.string(), z.string())) }) } } } },
  })
  register({
    method: "put",
    path,
    operationId: "putSubscription",
    summary: "Create a subscription, or confirm an identical one",
    request: { params: Id, body: { required: true, ...json(SubscriptionInput) } },
    responses: { 200: { description: "Already existed, identical", ...json(Subscription) }, 201: { description: "Created", ...json(Subscription) }, ...errorResponses, 409: error("Exists with another configuration") },
  })
  register({
    method: "get",
    path,
    operationId: "getSubscription",
    summary: "A subscription and how far each of its streams is acknowledged",
    request: { params: Id },
    responses: { 200: { description: "The subscription", ...json(Subscription) }, 401: errorResponses[401], 404: error("No such subscription") },
  })
  register({
    method: "delete",
    path,
    operationId: "deleteSubscription",
    summary: "Delete a subscription",
    request: { params: Id },
    responses: { 204: { description: "Deleted" }, 401: errorResponses[401], 404: error("No such subscription") },
  })
  register({
    method: "post",
    path: `${path}/streams`,
    operationId: "addSubscriptionStreams",
    summary: "Follow more streams by name",
    request: { params: Id, body: { required: true, ...json(z.object({ streams: z.array(z.string()).min(1) })) } },
    responses: { 204: { description: "Added" }, ...errorResponses, 404: error("No such subscription") },
  })
  register({
    method: "delete",
    path: `${path}/streams/{stream}`,
    operationId: "removeSubscriptionStream",
    summary: "Stop following a stream named explicitly",
    request: { params: Id.extend({ stream: z.string().openapi({ param: { name: "stream", in: "path" } }) }) },
    responses: { 204: { description: "Removed" }, 401: errorResponses[401], 404: error("No such subscription") },
  })
  register({
    method: "post",
    path: `${path}/claim`,
    operationId: "claimWake",
    summary: "Pull-wake: take the pending wake, with a lease",
    request: { params: Id, body: { required: true, ...json(z.object({ worker: z.string().min(1) })) } },
    responses: {
      200: {
        description: "Claimed",
        ...json(z.object({ wake_id: z.string(), generation: z.number().int(), token: z.string(), streams: z.array(StreamInfo), lease_ttl_ms: z.number().int() })),
      },
      ...errorResponses,
      404: error("No such subscription"),
      409: error("Already claimed (ALREADY_CLAIMED), or nothing to do (NO_PENDING_WORK)"),
    },
  })
  for (const [action, operationId, summary] of [
    ["callback", "webhookCallback", "Webhook: acknowledge offsets and/or finish the wake"],
    ["ack", "ackWake", "Pull-wake: acknowledge offsets and/or finish the claimed wake"],
  ] as const)
    register({
      method: "post",
      path: `${path}/${action}`,
      operationId,
      summary,
      description: byWakeToken,
      request: { params: Id, body: { required: true, ...json(Acknowledgement) } },
      responses: {
        200: { description: "Acknowledged", ...json(z.object({ ok: z.boolean(), next_wake: z.boolean() })) },
        ...errorResponses,
        404: error("No such subscription"),
        409: error("A wake that is no longer current (FENCED), or an offset out of range (INVALID_OFFSET)"),
      },
    })
  register({
    method: "post",
    path: `${path}/release`,
    operationId: "releaseWake",
    summary: "Pull-wake: give the claimed wake back unfinished",
    description: byWakeToken,
    request: { params: Id, body: { required: true, ...json(Acknowledgement.pick({ wake_id: true, generation: true })) } },
    responses: { 204: { description: "Released" }, ...errorResponses, 404: error("No such subscription"), 409: error("A wake that is no longer current (FENCED)") },
  })
}

/** Mounts the Durable Streams control namespace, /v1/stream/__ds/: subscriptions and their key set. */
export function streamSubscriptionRoutes(app: OpenAPIHono, ctx: DaemonContext) {
  documentSubscriptions(app)
  app.all(`${ROOT}/*`, (c) => handleControl(ctx.subscriptions, c.req.raw, new URL(c.req.url).pathname.slice(ROOT.length + 1)))
}
