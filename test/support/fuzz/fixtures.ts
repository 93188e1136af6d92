import { waitFor } from "../wait.ts"
import type { Fixtures } from "./cases.ts"

// What each operation's cases run against, made anew for every operation so that one operation's
// damage (a stream closed or deleted, a wake finished) does not hide the next one's paths.

export const MARKER = "fz-marker-c0ffee"

type Api = (path: string, init?: RequestInit) => Promise<Response>

/** Receives webhook wakes, as a subscriber would, to learn their callback tokens. */
export class HookReceiver {
  readonly #wakes = new Map<string, { wake_id: string; generation: number; callback_token: string }>()
  readonly #server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (request) => {
      const wake = (await request.json()) as { subscription_id: string; wake_id: string; generation: number; callback_token: string }
      this.#wakes.set(wake.subscription_id, wake)
      return Response.json({})
    },
  })

  get url() {
    return `http://127.0.0.1:${this.#server.port}/hook`
  }

  wakeOf(subscription: string) {
    return waitFor(`a webhook wake of ${subscription}`, () => this.#wakes.get(subscription), { timeoutMs: 10_000 })
  }

  stop() {
    void this.#server.stop(true)
  }
}

async function expectStatus(response: Promise<Response>, status: number, what: string): Promise<Response> {
  const r = await response
  if (r.status !== status) throw new Error(`fixture ${what}: expected ${status}, got ${r.status} ${await r.text()}`)
  return r
}

const json = (body: unknown): RequestInit => ({ headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

export async function makeFixtures(
  api: Api,
  index: number,
  base: { token: string; port: number; dir: string },
  receiver: HookReceiver,
): Promise<Fixtures> {
  const name = (kind: string) => `fz/${index}/${kind}`
  const streams = {
    json: name("json"),
    text: name("text"),
    bin: name("bin"),
    closed: name("closed"),
    source: name("source"),
    fork: name("fork"),
    wake: name("wake"),
  }
  const put = (stream: string, init: RequestInit) => expectStatus(api(`/v1/stream/${stream}`, { method: "PUT", ...init }), 201, `PUT ${stream}`)
  const append = (stream: string, init: RequestInit) => expectStatus(api(`/v1/stream/${stream}`, { method: "POST", ...init }), 204, `POST ${stream}`)
  await put(streams.json, json([{ marker: MARKER }, { n: 2 }]))
  await put(streams.text, { headers: { "content-type": "text/plain" }, body: MARKER })
  await put(streams.bin, { headers: { "content-type": "application/octet-stream" }, body: new Uint8Array([0, 255, ...new TextEncoder().encode(MARKER)]) })
  await put(streams.closed, { headers: { "content-type": "text/plain", "Stream-Closed": "true" }, body: MARKER })
  await put(streams.source, json([{ marker: MARKER }, { n: 2 }, { n: 3 }]))
  await put(streams.fork, { headers: { "content-type": "application/json", "Stream-Forked-From": streams.source, "Stream-Fork-Offset": "0000000000000001" } })
  await put(streams.wake, { headers: { "content-type": "application/json" } })

  const subscribe = (id: string, body: unknown) => expectStatus(api(`/v1/stream/__ds/subscriptions/${id}`, { method: "PUT", ...json(body) }), 201, `subscription ${id}`)
  const pull = `fz-${index}-pull`
  const unclaimed = `fz-${index}-unclaimed`
  const hook = `fz-${index}-hook`
  for (const id of [pull, unclaimed]) await subscribe(id, { type: "pull-wake", streams: [streams.json], wake_stream: streams.wake, lease_ttl_ms: 600_000 })
  await subscribe(hook, { type: "webhook", webhook: { url: receiver.url }, streams: [streams.text], lease_ttl_ms: 600_000 })
  // One message after subscribing gives each subscription pending work: json's 3rd, text's 2nd.
  await append(streams.json, json({ n: 3 }))
  await append(streams.text, { headers: { "content-type": "text/plain" }, body: "more" })
  const claim = await expectStatus(api(`/v1/stream/__ds/subscriptions/${pull}/claim`, { method: "POST", ...json({ worker: "fz" }) }), 200, "claim")
  const claimed = (await claim.json()) as { wake_id: string; generation: number; token: string }
  const hookWake = await receiver.wakeOf(hook)

  return {
    ...base,
    hookUrl: receiver.url,
    marker: MARKER,
    streams,
    pull: { id: pull, token: claimed.token, wakeId: claimed.wake_id, generation: claimed.generation },
    hook: { id: hook, token: hookWake.callback_token, wakeId: hookWake.wake_id, generation: hookWake.generation },
    unclaimed,
  }
}

/** The same shape with stand-in values, for building cases before anything exists. */
export function templateFixtures(): Fixtures {
  const wake = (id: string) => ({ id, token: "wake-token", wakeId: "w_0", generation: 1 })
  const streams = { json: "j", text: "t", bin: "b", closed: "c", source: "s", fork: "f", wake: "w" }
  return { token: "token", port: 1, dir: "/", hookUrl: "http://127.0.0.1:1/hook", marker: MARKER, streams, pull: wake("p"), hook: wake("h"), unclaimed: "u" }
}
