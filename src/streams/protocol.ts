import { errorResponse } from "../protocol/errors.ts"
import { appendToStream } from "./protocol/append.ts"
import { createStream } from "./protocol/create.ts"
import type { ProtocolContext } from "./protocol/headers.ts"
import { deleteStream, headStream } from "./protocol/metadata.ts"
import { readStream } from "./protocol/read.ts"

/**
 * The Durable Streams HTTP protocol over the stream store, framework-agnostic: PUT create (and
 * fork), POST append and close, GET read (catch-up, long-poll, SSE), HEAD, DELETE.
 */
export function createStreamProtocol(ctx: ProtocolContext) {
  return async function handle(request: Request, name: string): Promise<Response> {
    switch (request.method) {
      case "PUT":
        return createStream(ctx, request, name)
      case "POST":
        return appendToStream(ctx, request, name)
      case "GET":
        return readStream(ctx, request, name)
      case "HEAD":
        return headStream(ctx, name)
      case "DELETE":
        return deleteStream(ctx, name)
      default:
        return errorResponse(405, "method_not_allowed", `${request.method} is not a stream operation`, {
          Allow: "GET, HEAD, POST, PUT, DELETE",
        })
    }
  }
}
