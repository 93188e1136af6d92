import type { ContentfulStatusCode } from "hono/utils/http-status"

/** SPEC's error body: `{ "error": { "code", "message" } }`. */
export function errorBody(code: string, message: string) {
  return { error: { code, message } }
}

export function errorResponse(status: ContentfulStatusCode, code: string, message: string, headers?: HeadersInit): Response {
  const response = Response.json(errorBody(code, message), { status, headers })
  return response
}
