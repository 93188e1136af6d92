import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi"
import { appendEvents } from "../../streams/events.ts"
import { streamNameProblem } from "../../streams/names.ts"
import { formatOffset } from "../../streams/offsets.ts"
import { createStreamProtocol, isJson } from "../../streams/protocol.ts"
import type { DaemonContext } from "../context.ts"
import { errorResponse } from "../errors.ts"
import { ErrorSchema, errorResponses, notFoundResponse } from "../schemas.ts"

const StreamInfo = z
  .object({
    name: z.string(),
    contentType: z.string(),
    createdAt: z.string().openapi({ format: "date-time" }),
    messages: z.number().int().openapi({ description: "how many messages (events) the stream holds" }),
    nextOffset: z.string().openapi({ description: "the offset after the newest message" }),
    closed: z.boolean(),
  })
  .openapi("StreamInfo")

const EventInput = z
  .object({
    type: z.string().min(1).openapi({ example: "note:added" }),
    payload: z.unknown().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("EventInput")

export const StreamEvent = z
  .object({
    offset: z.string().openapi({ description: "the offset just after this event; read from it to continue with the next" }),
    type: z.string(),
    version: z.literal(1),
    createdAt: z.string().openapi({ format: "date-time" }),
    streamId: z.string(),
    payload: z.unknown().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("StreamEvent")

const NameParam = z.object({
  name: z.string().openapi({ param: { name: "name", in: "path" }, description: "stream name (may contain /, URL-encoded)" }),
})

const list = createRoute({
  method: "get",
  path: "/v1/streams",
  operationId: "listStreams",
  summary: "All streams",
  responses: {
    200: { description: "Streams", content: { "application/json": { schema: z.object({ streams: z.array(StreamInfo) }) } } },
    ...errorResponses,
  },
})

const append = createRoute({
  method: "post",
  path: "/v1/streams/{name}/events",
  operationId: "appendEvents",
  summary: "Append events to a JSON stream; the daemon stamps offset, version, createdAt and streamId",
  request: {
    params: NameParam,
    body: {
      required: true,
      content: { "application/json": { schema: z.array(EventInput).min(1) } },
    },
  },
  responses: {
    201: {
      description: "Committed: the events as stored",
      content: { "application/json": { schema: z.object({ events: z.array(StreamEvent) }) } },
    },
    ...errorResponses,
    ...notFoundResponse,
    409: { description: "The stream does not hold JSON", content: { "application/json": { schema: ErrorSchema } } },
  },
})

const errorContent = { "application/json": { schema: ErrorSchema } }
const streamHeaders = {
  "Stream-Next-Offset": { description: "offset to read from next", schema: { type: "string" as const } },
}

/** The Durable Streams routes are byte-level protocol routes: documented here, served by protocol.ts. */
function documentProtocol(app: OpenAPIHono) {
  const params = NameParam
  const common = { 401: errorResponses[401], 404: { description: "No such stream", content: errorContent } }
  app.openAPIRegistry.registerPath({
    method: "put",
    path: "/v1/stream/{name}",
    operationId: "createStream",
    summary: "Create a stream (Durable Streams); idempotent, 409 when it exists with another content type",
    request: {
      params,
      body: { required: false, content: { "application/json": { schema: z.unknown() }, "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } } },
    },
    responses: {
      200: { description: "Already existed with the same configuration", headers: streamHeaders },
      201: { description: "Created", headers: streamHeaders },
      400: errorResponses[400],
      401: errorResponses[401],
      409: { description: "Exists with another configuration", content: errorContent },
    },
  })
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/v1/stream/{name}",
    operationId: "appendStream",
    summary: "Append raw data (Durable Streams); JSON streams flatten one level of array",
    request: {
      params,
      body: { required: true, content: { "application/json": { schema: z.unknown() }, "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } } },
    },
    responses: {
      204: { description: "Committed", headers: streamHeaders },
      400: errorResponses[400],
      ...common,
      409: { description: "Content type does not match the stream", content: errorContent },
    },
  })
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/v1/stream/{name}",
    operationId: "readStream",
    summary: "Read from an offset (Durable Streams): catch-up, live=long-poll or live=sse",
    request: {
      params,
      query: z.object({
        offset: z.string().optional().openapi({ description: "-1 (start, the default), now, or an offset the stream gave out" }),
        live: z.enum(["long-poll", "sse"]).optional(),
      }),
    },
    responses: {
      200: {
        description: "Messages after the offset: a JSON array for JSON streams, bytes otherwise, or an SSE stream",
        headers: streamHeaders,
        content: { "application/json": { schema: z.array(z.unknown()) }, "text/event-stream": { schema: z.string() } },
      },
      204: { description: "Long-poll timed out with nothing new", headers: streamHeaders },
      400: errorResponses[400],
      ...common,
    },
  })
  app.openAPIRegistry.registerPath({
    method: "head",
    path: "/v1/stream/{name}",
    operationId: "headStream",
    summary: "Stream metadata only",
    request: { params },
    responses: { 200: { description: "Exists", headers: streamHeaders }, ...common },
  })
  app.openAPIRegistry.registerPath({
    method: "delete",
    path: "/v1/stream/{name}",
    operationId: "deleteStream",
    summary: "Delete a stream and its history",
    request: { params },
    responses: { 204: { description: "Deleted" }, ...common },
  })
}

export function streamRoutes(app: OpenAPIHono, ctx: DaemonContext) {
  const { store } = ctx
  const protocol = createStreamProtocol(store, {
    longPollTimeoutMs: ctx.longPollTimeoutMs,
    keepOpen: ctx.keepOpen,
    closing: ctx.closing,
  })

  app.openapi(list, (c) =>
    c.json(
      {
        streams: store.list().map((meta) => ({
          name: meta.name,
          contentType: meta.contentType,
          createdAt: new Date(meta.createdAt).toISOString(),
          messages: meta.messageCount,
          nextOffset: formatOffset(meta.tailSeq),
          closed: meta.closed,
        })),
      },
      200,
    ),
  )

  app.openapi(append, (c) => {
    const { name } = c.req.valid("param")
    const inputs = c.req.valid("json")
    const meta = store.get(name)
    if (!meta) return c.json({ error: { code: "stream_not_found", message: `no stream named ${name}` } }, 404)
    if (!isJson(meta.contentType))
      return c.json({ error: { code: "not_json", message: `stream ${name} holds ${meta.contentType}, not JSON events` } }, 409)
    const events = appendEvents(store, name, inputs)
    if (!events) return c.json({ error: { code: "stream_not_found", message: `no stream named ${name}` } }, 404)
    return c.json({ events }, 201)
  })

  documentProtocol(app)
  app.all("/v1/stream/*", (c) => {
    const raw = c.req.path.slice("/v1/stream/".length)
    let name: string
    try {
      name = decodeURIComponent(raw)
    } catch {
      return errorResponse(400, "invalid_stream_name", `invalid stream name ${raw}`)
    }
    const problem = streamNameProblem(name)
    if (problem) return errorResponse(400, "invalid_stream_name", problem)
    return protocol(c.req.raw, name)
  })
}
