import type { ContentfulStatusCode } from "hono/utils/http-status"
import { errorResponse } from "../../protocol/errors.ts"
import { formatOffset } from "../offsets.ts"
import type { StreamMeta, StreamStore } from "../store.ts"

export const H = {
  nextOffset: "Stream-Next-Offset",
  upToDate: "Stream-Up-To-Date",
  cursor: "Stream-Cursor",
  closed: "Stream-Closed",
  ttl: "Stream-TTL",
  expiresAt: "Stream-Expires-At",
  writerSeq: "Stream-Seq",
  sseEncoding: "Stream-SSE-Data-Encoding",
  forkedFrom: "Stream-Forked-From",
  forkOffset: "Stream-Fork-Offset",
  forkSubOffset: "Stream-Fork-Sub-Offset",
  producerId: "Producer-Id",
  producerEpoch: "Producer-Epoch",
  producerSeq: "Producer-Seq",
  producerExpectedSeq: "Producer-Expected-Seq",
  producerReceivedSeq: "Producer-Received-Seq",
} as const

/** What every stream operation needs: the store and how the daemon runs it. */
export interface ProtocolContext {
  store: StreamStore
  longPollTimeoutMs: number
  /** lifts the server's idle timeout for a request that waits for data (long-poll, SSE) */
  keepOpen?: (request: Request) => void
  /** aborted when the daemon shuts down: live reads end cleanly instead of holding it open */
  closing?: AbortSignal
  /** the stream name a Stream-Forked-From value (a stream URL or path) points at */
  streamName: (reference: string) => string | undefined
}

export type Problem = { status: ContentfulStatusCode; code: string; message: string; headers?: Record<string, string> }

export const problem = (p: Problem): Response => errorResponse(p.status, p.code, p.message, p.headers)

export const notFound = (name: string) => problem({ status: 404, code: "stream_not_found", message: `no stream named ${name}` })

export const gone = (name: string) =>
  problem({ status: 410, code: "stream_gone", message: `stream ${name} was deleted (its forks still read its history)` })

/** Content-Type and Stream-Next-Offset, plus Stream-Closed when the stream is closed. */
export function streamHeaders(meta: StreamMeta, next = meta.tailSeq): Record<string, string> {
  const headers: Record<string, string> = { "Content-Type": meta.contentType, [H.nextOffset]: formatOffset(next) }
  if (meta.closed && next >= meta.tailSeq) headers[H.closed] = "true"
  return headers
}
