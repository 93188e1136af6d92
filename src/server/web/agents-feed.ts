// One live connection for the whole agents list: the list, then every change of any agent
// (status, last activity, a new or removed agent). Browsers open at most six HTTP/1.1
// connections to an origin, so a page that shows many agents must not hold one per agent.
import type { Agent } from "../../agents/agents.ts"
import { formatOffset } from "../../streams/offsets.ts"
import type { StreamStore } from "../../streams/store.ts"
import type { DaemonContext } from "../context.ts"

export interface AgentEntry extends Agent {
  /** the offset after the newest event of its stream: what a reader has seen all of */
  nextOffset: string
  /** when its newest event was appended */
  lastActivity?: string
}

// Changes are gathered this long and sent together: a streaming reply appends many events a second.
const BATCH_MS = 50
const KEEPALIVE_MS = 15_000
const encoder = new TextEncoder()
const decoder = new TextDecoder()

async function activity(store: StreamStore, stream: string): Promise<Pick<AgentEntry, "nextOffset" | "lastActivity">> {
  const meta = await store.get(stream)
  if (!meta) return { nextOffset: formatOffset(0) }
  const [last] = meta.tailSeq > 0 ? await store.read(meta, meta.tailSeq - 1, 1) : []
  const createdAt = last ? (JSON.parse(decoder.decode(last.data)) as { createdAt?: string }).createdAt : undefined
  return { nextOffset: formatOffset(meta.tailSeq), ...(createdAt && { lastActivity: createdAt }) }
}

const frame = (event: string, data: unknown) => encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)

/** The SSE response: `agents` {agents} first, then `agent` {agent} for each change and `removed` {id}. */
export function agentsFeed(ctx: DaemonContext, request: Request): Response {
  ctx.keepOpen(request)
  const signal = AbortSignal.any([request.signal, ctx.closing])
  const sent = new Map<string, string>()
  const activities = new Map<string, Pick<AgentEntry, "nextOffset" | "lastActivity">>()
  const changed = new Set<string>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let cleanup = () => {}

  const entries = async (): Promise<AgentEntry[]> =>
    Promise.all(
      (await ctx.agents.list()).map(async (agent) => {
        let seen = activities.get(agent.stream)
        if (!seen) activities.set(agent.stream, (seen = await activity(ctx.store, agent.stream)))
        return { ...agent, ...seen }
      }),
    )

  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const list = await entries()
      for (const entry of list) sent.set(entry.id, JSON.stringify(entry))
      controller.enqueue(frame("agents", { agents: list }))
      // One flush at a time, so changes go out in the order they were read.
      let flushing = Promise.resolve()
      const flush = () => (flushing = flushing.then(send).catch((error) => console.error("the agents feed could not read a change:", error)))
      const send = async () => {
        timer = undefined
        const touched = [...changed]
        changed.clear()
        for (const stream of touched) activities.delete(stream)
        const now = await entries()
        if (signal.aborted) return
        const ids = new Set<string>()
        for (const entry of now) {
          ids.add(entry.id)
          const json = JSON.stringify(entry)
          if (sent.get(entry.id) === json) continue
          sent.set(entry.id, json)
          controller.enqueue(frame("agent", { agent: entry }))
        }
        for (const id of sent.keys()) {
          if (ids.has(id)) continue
          sent.delete(id)
          controller.enqueue(frame("removed", { id }))
        }
      }
      const unwatch = ctx.store.watch((name) => {
        if (!name.startsWith("agents/")) return
        changed.add(name)
        timer ??= setTimeout(flush, BATCH_MS)
      })
      const keepalive = setInterval(() => controller.enqueue(encoder.encode(": keepalive\n\n")), KEEPALIVE_MS)
      cleanup = () => {
        unwatch()
        clearInterval(keepalive)
        clearTimeout(timer)
      }
      signal.addEventListener("abort", () => {
        cleanup()
        try {
          controller.close()
        } catch {
          // the reader went away first
        }
      })
    },
    cancel: () => cleanup(),
  })
  return new Response(body, { headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" } })
}
