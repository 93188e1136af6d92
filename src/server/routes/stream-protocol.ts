import { z, type OpenAPIHono } from "@hono/zod-openapi"
import { streamNameProblem } from "../../streams/names.ts"
import { createStreamProtocol } from "../../streams/protocol.ts"
import type { DaemonContext } from "../context.ts"
import { errorResponse } from "../../protocol/errors.ts"
import { ErrorSchema, errorResponses, storageFullResponse, StreamNameParam as params, storeUnavailableResponse } from "../schemas.ts"

const PREFIX = "/v1/stream/"

/** The stream a path under /v1/stream/ names (percent-decoded), or why it names none. */
function nameFromPath(raw: string): { name: string } | { problem: string } {
  let name: string
  try {
    name = decodeURIComponent(raw)
  } catch {
    return { problem: `invalid stream name ${raw}` }
  }
  const problem = streamNameProblem(name)
  return problem ? { problem } : { name }
}

/** A stream named in a header (Stream-Forked-From): by its URL, its path, or its bare name. */
function referencedStream(reference: string): string | undefined {
  const path = URL.canParse(reference) ? new URL(reference).pathname : reference
  const found = nameFromPath(path.startsWith(PREFIX) ? path.slice(PREFIX.length) : path)
  return "name" in found ? found.name : undefined
}

const header = (description: string) => ({ description, schema: { type: "string" as const } })
const errorContent = { "application/json": { schema: ErrorSchema } }
const error = (description: string) => ({ description, content: errorContent })
const bodyContent = {
  "application/json": { schema: z.unknown() },
  "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) },
}
const nextOffset = { "Stream-Next-Offset": header("the offset to read from next: the tail, or where this response ends") }
const closedHeader = { "Stream-Closed": header("true once the stream is closed (on reads: when the response reaches its end)") }
const readHeaders = {
  ...nextOffset,
  ...closedHeader,
  "Stream-Up-To-Date": header("true when the response reaches the tail"),
  "Stream-Cursor": header("live reads: echo it as ?cursor= on the next request"),
  ETag: header("identifies this response's range; send it as If-None-Match to get 304"),
}
const producerHeaders = {
  "Producer-Id": z.string().optional().openapi({ description: "idempotent producer: a stable id (with Producer-Epoch and Producer-Seq)" }),
  "Producer-Epoch": z.string().optional().openapi({ description: "the producer's epoch; a higher one fences off older ones" }),
  "Producer-Seq": z.string().optional().openapi({ description: "0, 1, 2… per epoch; a repeat is acknowledged as a duplicate" }),
}
const common = {
  401: errorResponses[401],
  404: error("No such stream"),
  410: error("The stream was deleted; forks still read its history"),
  ...storeUnavailableResponse,
}

/** The Durable Streams routes are byte-level protocol routes: documented here, served by protocol.ts. */
function documentProtocol(app: OpenAPIHono) {
  app.openAPIRegistry.registerPath({
    method: "put",
    path: "/v1/stream/{name}",
    operationId: "createStream",
    summary: "Create a stream, or fork one (Durable Streams); idempotent, 409 when it exists with another configuration",
    request: {
      params,
      headers: z.object({
        "Content-Type": z.string().optional().openapi({ description: "the stream's content type; application/json streams hold JSON messages" }),
        "Stream-TTL": z.string().optional().openapi({ description: "seconds the stream lives after its last read or write" }),
        "Stream-Expires-At": z.string().optional().openapi({ description: "RFC 3339 instant the stream expires at" }),
        "Stream-Closed": z.string().optional().openapi({ description: "true: create it closed" }),
        "Stream-Forked-From": z.string().optional().openapi({ description: "fork this stream (its URL, path or name)" }),
        "Stream-Fork-Offset": z.string().optional().openapi({ description: "where the fork branches off (default: the source's tail)" }),
        "Stream-Fork-Sub-Offset": z.string().optional().openapi({ description: "also keep this many bytes (JSON: messages) after the fork offset" }),
      }),
      body: { required: false, content: bodyContent },
    },
    responses: {
      200: { description: "Already existed with the same configuration", headers: { ...nextOffset, ...closedHeader } },
      201: { description: "Created", headers: { ...nextOffset, ...closedHeader, Location: header("the stream's URL") } },
      400: errorResponses[400],
      401: errorResponses[401],
      404: error("The stream to fork does not exist"),
      409: error("Exists with another configuration, or was deleted and is kept for its forks"),
      ...storeUnavailableResponse,
      ...storageFullResponse,
    },
  })
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/v1/stream/{name}",
    operationId: "appendStream",
    summary: "Append data, and/or close the stream (Durable Streams); JSON streams flatten one level of array",
    request: {
      params,
      headers: z.object({
        "Content-Type": z.string().optional().openapi({ description: "must match the stream's content type (not needed to only close)" }),
        "Stream-Closed": z.string().optional().openapi({ description: "true: close the stream (after appending the body, if any)" }),
        "Stream-Seq": z.string().optional().openapi({ description: "writer sequence: must sort after the previous one" }),
        ...producerHeaders,
      }),
      body: { required: false, content: bodyContent },
    },
    responses: {
      200: { description: "Committed (idempotent producer)", headers: nextOffset },
      204: { description: "Committed, or a producer's duplicate", headers: nextOffset },
      400: errorResponses[400],
      403: error("A producer epoch older than the stream has seen"),
      ...common,
      409: error("Content type mismatch, the stream is closed, a Stream-Seq regression, or a producer sequence gap"),
      ...storageFullResponse,
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
        offset: z.string().optional().openapi({ description: "-1 (start, the default), now (the tail), or an offset the stream gave out" }),
        live: z.enum(["long-poll", "sse"]).optional(),
        cursor: z.string().optional().openapi({ description: "the Stream-Cursor of the previous live response" }),
      }),
    },
    responses: {
      200: {
        description: "Messages after the offset: a JSON array for JSON streams, bytes otherwise, or an SSE stream",
        headers: readHeaders,
        content: { "application/json": { schema: z.array(z.unknown()) }, "text/event-stream": { schema: z.string() } },
      },
      204: { description: "Long-poll timed out with nothing new, or the stream is closed", headers: readHeaders },
      304: { description: "Unchanged since the ETag in If-None-Match" },
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
    responses: {
      200: {
        description: "Exists",
        headers: { ...nextOffset, ...closedHeader, "Stream-TTL": header("the stream's TTL"), "Stream-Expires-At": header("when it expires") },
      },
      401: errorResponses[401],
      404: { description: "No such stream" },
      410: { description: "Deleted; kept for its forks" },
      503: { description: "The store's database cannot be reached right now" },
    },
  })
  app.openAPIRegistry.registerPath({
    method: "delete",
    path: "/v1/stream/{name}",
    operationId: "deleteStream",
    summary: "Delete a stream (its forks keep reading its history)",
    request: { params },
    responses: { 204: { description: "Deleted" }, ...common },
  })
}

/** Mounts the Durable Streams protocol at /v1/stream/<name>. */
export function streamProtocolRoutes(app: OpenAPIHono, ctx: DaemonContext) {
  const protocol = createStreamProtocol({
    store: ctx.store,
    longPollTimeoutMs: ctx.longPollTimeoutMs,
    keepOpen: ctx.keepOpen,
    closing: ctx.closing,
    streamName: referencedStream,
  })
  documentProtocol(app)
  app.all(`${PREFIX}*`, (c) => {
    const found = nameFromPath(c.req.path.slice(PREFIX.length))
    if ("problem" in found) return errorResponse(400, "invalid_stream_name", found.problem)
    return protocol(c.req.raw, found.name)
  })
}
