// Live reads for the page: a Durable Streams SSE read that picks up from the last offset it got
// after every disconnect (a flaky network, a laptop that slept, a daemon restart), so nothing is
// seen twice and nothing is missed; and the agents feed, one connection for the whole list.
import { readStream, watchAgents } from "../sdk/sdk.gen.ts"
import { readSse } from "../sse/read.ts"
import { client, loggedOut } from "./api.ts"

export interface Batch {
  /** the `data` event as sent: a JSON array for JSON streams, text (or base64) otherwise */
  data: string
  base64: boolean
  /** where the next read starts */
  nextOffset: string
  /** the read has caught up with the stream's tail */
  upToDate: boolean
}

export interface FollowOptions {
  offset: string
  signal: AbortSignal
  onBatch: (batch: Batch) => void
  /** connected, or lost and retrying; the stream's absence is final */
  onState?: (state: "live" | "reconnecting" | "missing") => void
}

/** Waits before the next attempt; back online, it tries again at once (offline, it waits for that). */
const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer)
      removeEventListener("online", done)
      resolve()
    }
    const timer = navigator.onLine ? setTimeout(done, ms) : undefined
    addEventListener("online", done)
    signal.addEventListener("abort", done, { once: true })
  })

/**
 * A signal for one connection: aborted with `signal`, or when the browser goes offline. A
 * connection the network dropped under it may otherwise hang unnoticed for minutes (a phone
 * that changes networks); a fresh one from the last offset loses nothing.
 */
function attempt(signal: AbortSignal): { signal: AbortSignal; end: () => void } {
  const controller = new AbortController()
  const cut = () => controller.abort()
  addEventListener("offline", cut)
  signal.addEventListener("abort", cut, { once: true })
  return { signal: controller.signal, end: () => (removeEventListener("offline", cut), signal.removeEventListener("abort", cut)) }
}

/** Reads `name` from `offset` on, live, until `signal` aborts or the stream is closed. */
export async function follow(name: string, options: FollowOptions): Promise<void> {
  const { signal } = options
  let offset = options.offset
  let failures = 0
  while (!signal.aborted) {
    const connection = attempt(signal)
    const result = await readStream({ client, path: { name }, query: { offset, live: "sse" }, parseAs: "stream", signal: connection.signal }).catch(
      (error) => ({ error, response: undefined, data: undefined }),
    )
    const response = result.response
    if (response?.status === 401) return void (loggedOut.value = true)
    if (response?.status === 404 || response?.status === 410) return options.onState?.("missing")
    if (response?.ok && result.data) {
      failures = 0
      options.onState?.("live")
      const base64 = response.headers.get("Stream-SSE-Data-Encoding") === "base64"
      let data: string | undefined
      try {
        for await (const event of readSse(result.data as unknown as ReadableStream<Uint8Array>)) {
          if (event.event === "data") data = event.data
          else if (event.event === "control") {
            const control = JSON.parse(event.data) as { streamNextOffset: string; streamClosed?: boolean; upToDate?: boolean }
            offset = control.streamNextOffset
            options.onBatch({ data: data ?? "", base64, nextOffset: offset, upToDate: control.upToDate === true || control.streamClosed === true })
            data = undefined
            if (control.streamClosed) return
          }
        }
      } catch {
        // the connection dropped: read on from `offset`
      }
    }
    connection.end()
    if (signal.aborted) return
    options.onState?.("reconnecting")
    await pause(Math.min(500 * 2 ** failures++, 5000), signal)
  }
}

export type FeedEvent = { event: "agents"; agents: unknown[] } | { event: "agent"; agent: unknown } | { event: "removed"; id: string }

/** The agents feed: the list, then each change; reconnects (starting with the list again) when it drops. */
export async function feed(signal: AbortSignal, onEvent: (event: FeedEvent) => void, onState: (live: boolean) => void): Promise<void> {
  let failures = 0
  while (!signal.aborted) {
    let refused = false
    const connection = attempt(signal)
    const { stream } = await watchAgents({
      signal: connection.signal,
      // Reconnecting is done here, where a 401 stops it and a success resets the backoff.
      sseMaxRetryAttempts: 1,
      onSseError: (error) => (refused = /SSE failed: 401/.test(String(error))),
      onSseEvent: ({ event, data }) => {
        failures = 0
        onState(true)
        if (event) onEvent({ event, ...(data as unknown as object) } as FeedEvent)
      },
    })
    for await (const _ of stream);
    connection.end()
    if (refused) return void (loggedOut.value = true)
    if (signal.aborted) return
    onState(false)
    await pause(Math.min(500 * 2 ** failures++, 5000), signal)
  }
}
