import type { Command } from "commander"
import type { Connection } from "./connect.ts"
import { sleep } from "../os/process.ts"
import { readStream } from "../sdk/sdk.gen.ts"
import { connectFor, reconnectFor, unwrap } from "./connection.ts"
import { CliError } from "../errors.ts"
import type { Output } from "./output.ts"
import { readSse } from "../sse/read.ts"

export interface ReadOptions {
  offset: string
  follow: boolean
  /** called with each batch: parsed messages for JSON streams, raw bytes otherwise */
  onMessages: (messages: unknown[] | Uint8Array, nextOffset: string) => void | Promise<void>
  /** for a --follow read: stop when this returns true after a batch */
  until?: () => boolean
}

// After the daemon goes away mid-follow (a restart), keep trying this long before giving up.
const RECONNECT_FOR_MS = 60_000

const isJsonType = (type: string | null) => (type ?? "").split(";")[0]!.trim().toLowerCase() === "application/json"

/**
 * Reads a stream from an offset: catch-up pages until up to date, then (with follow) a live SSE
 * read that resumes from the last offset it saw when the connection drops, until the stream is
 * closed.
 */
export async function readStreamFrom(io: Output, command: Command, name: string, options: ReadOptions): Promise<void> {
  let connection = await connectFor(io, command)
  const notFound = `no stream named ${name} (see: iterate streams)`
  let offset = options.offset
  let json = false
  for (;;) {
    const result = await readStream({ client: connection.client, path: { name }, query: { offset }, parseAs: "arrayBuffer" })
    // parseAs overrides the JSON type the SDK declares for this route
    const body = unwrap(connection, result, { notFound }) as unknown as ArrayBuffer
    const headers = result.response!.headers
    offset = headers.get("Stream-Next-Offset") ?? offset
    const bytes = new Uint8Array(body)
    json = isJsonType(headers.get("content-type"))
    if (json) {
      const messages = bytes.length ? (JSON.parse(new TextDecoder().decode(bytes)) as unknown[]) : []
      if (messages.length) await options.onMessages(messages, offset)
    } else if (bytes.length) await options.onMessages(bytes, offset)
    if (headers.get("Stream-Up-To-Date") === "true") {
      // A closed stream has nothing more to follow.
      if (headers.get("Stream-Closed") === "true") return
      break
    }
  }
  if (!options.follow || options.until?.()) return

  for (;;) {
    const result = await readStream({
      client: connection.client,
      path: { name },
      query: { offset, live: "sse" },
      parseAs: "stream",
    })
    const body = unwrap(connection, result, { notFound }) as unknown as ReadableStream<Uint8Array>
    const base64 = result.response!.headers.get("Stream-SSE-Data-Encoding") === "base64"
    let pending: unknown[] | Uint8Array | undefined
    try {
      for await (const event of readSse(body)) {
        if (event.event === "data") {
          pending = base64 ? Buffer.from(event.data, "base64") : json ? (JSON.parse(event.data) as unknown[]) : new TextEncoder().encode(event.data)
        } else if (event.event === "control") {
          const control = JSON.parse(event.data) as { streamNextOffset: string; streamClosed?: boolean }
          offset = control.streamNextOffset
          if (pending) await options.onMessages(pending, offset)
          pending = undefined
          if (control.streamClosed || options.until?.()) return
        }
      }
    } catch {
      // a dropped connection ends like a closed one: resume below
    }
    connection = await waitForDaemon(command)
  }
}

async function waitForDaemon(command: Command): Promise<Connection> {
  const deadline = Date.now() + RECONNECT_FOR_MS
  while (Date.now() < deadline) {
    await sleep(250)
    const connection = await reconnectFor(command).catch(() => undefined)
    if (connection) return connection
  }
  throw new CliError(`lost the daemon and it did not come back within ${RECONNECT_FOR_MS / 1000}s`)
}
