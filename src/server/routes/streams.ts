import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi"
import { isJson } from "../../streams/content-type.ts"
import { appendEvents } from "../../streams/events.ts"
import { nestedTooDeep, TOO_DEEP } from "../../streams/json-depth.ts"
import { formatOffset } from "../../streams/offsets.ts"
import { StreamClosedError } from "../../streams/store.ts"
import type { DaemonContext } from "../context.ts"
import { ErrorSchema, errorResponses, notFoundResponse, storageFullResponse, StreamNameParam, storeUnavailableResponse } from "../schemas.ts"
import { streamProtocolRoutes } from "./stream-protocol.ts"
import { streamSubscriptionRoutes } from "./stream-subscriptions.ts"

const StreamInfo = z
  .object({
    name: z.string(),
    contentType: z.string(),
    createdAt: z.string().openapi({ format: "date-time" }),
    messages: z.number().int().openapi({ description: "how many messages (events) the stream holds" }),
    bytes: z.number().int().openapi({ description: "bytes its messages take (a fork's inherited ones count at its source)" }),
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

const list = createRoute({
  method: "get",
  path: "/v1/streams",
  operationId: "listStreams",
  summary: "All streams",
  responses: {
    200: { description: "Streams", content: { "application/json": { schema: z.object({ streams: z.array(StreamInfo) }) } } },
    ...errorResponses,
    ...storeUnavailableResponse,
  },
})

const append = createRoute({
  method: "post",
  path: "/v1/streams/{name}/events",
  operationId: "appendEvents",
  summary: "Append events to a JSON stream; the daemon stamps offset, version, createdAt and streamId",
  request: {
    params: StreamNameParam,
    body: {
      required: true,
      content: { "application/json": { schema: z.array(EventInput).min(1).refine((events) => !nestedTooDeep(events), TOO_DEEP) } },
    },
  },
  responses: {
    201: {
      description: "Committed: the events as stored",
      content: { "application/json": { schema: z.object({ events: z.array(StreamEvent) }) } },
    },
    ...errorResponses,
    ...notFoundResponse,
    409: { description: "The stream does not hold JSON, or is closed", content: { "application/json": { schema: ErrorSchema } } },
    ...storeUnavailableResponse,
    ...storageFullResponse,
  },
})

export function streamRoutes(app: OpenAPIHono, ctx: DaemonContext) {
  const { store } = ctx

  app.openapi(list, async (c) =>
    c.json(
      {
        streams: (await store.list()).map((meta) => ({
          name: meta.name,
          contentType: meta.contentType,
          createdAt: new Date(meta.createdAt).toISOString(),
          messages: meta.messageCount,
          bytes: meta.bytes,
          nextOffset: formatOffset(meta.tailSeq),
          closed: meta.closed,
        })),
      },
      200,
    ),
  )

  app.openapi(append, async (c) => {
    const { name } = c.req.valid("param")
    const inputs = c.req.valid("json")
    const meta = await store.get(name)
    if (!meta) return c.json({ error: { code: "stream_not_found", message: `no stream named ${name}` } }, 404)
    if (!isJson(meta.contentType))
      return c.json({ error: { code: "not_json", message: `stream ${name} holds ${meta.contentType}, not JSON events` } }, 409)
    try {
      const events = await appendEvents(store, name, inputs)
      if (!events) return c.json({ error: { code: "stream_not_found", message: `no stream named ${name}` } }, 404)
      return c.json({ events }, 201)
    } catch (error) {
      if (!(error instanceof StreamClosedError)) throw error
      return c.json({ error: { code: "stream_closed", message: error.message } }, 409)
    }
  })

  // The control namespace first: its paths are under /v1/stream/ too.
  streamSubscriptionRoutes(app, ctx)
  streamProtocolRoutes(app, ctx)
}
