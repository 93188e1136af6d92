import { randomBytes } from "node:crypto"
import { formatOffset, parseOffset } from "../offsets.ts"
import type { StreamStore } from "../store.ts"
import { globMatches } from "./glob.ts"
import type { Link, SubscriptionConfig, SubscriptionRecord, SubscriptionTable } from "./records.ts"
import { type Jwk, Signer } from "./signing.ts"
import { webhookUrlProblem } from "./webhook-url.ts"

// Durable Streams subscriptions: a subscription follows streams (named, or matching a pattern)
// and wakes a consumer when they hold data it has not acknowledged. A webhook subscription POSTs
// each wake to a URL; a pull-wake one announces it on a wake stream for a worker to claim. A wake
// has a generation; its token and acknowledgements are only good for that generation, so a
// consumer that lost its lease cannot acknowledge over the one that took over.

export interface Reply {
  status: number
  body?: unknown
}

export interface AckRequest {
  wake_id?: unknown
  generation?: unknown
  acks?: unknown
  done?: unknown
}

interface Wake {
  id: string
  /** each stream's tail when the wake began: what a webhook's synchronous `done` acknowledges */
  snapshot: Map<string, number>
  token?: string
  holder?: string
}

interface Live {
  record: SubscriptionRecord
  wake?: Wake
  lease?: Timer
  retry?: Timer
  retries: number
}

const WEBHOOK_TIMEOUT_MS = 10_000
const MAX_RETRY_DELAY_MS = 60_000

const error = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): Reply => ({
  status,
  body: { error: { code, message, ...extra } },
})
const notFound = (id: string) => error(404, "SUBSCRIPTION_NOT_FOUND", `no subscription ${id}`)
const ackedOffset = (seq: number) => (seq < 0 ? "-1" : formatOffset(seq))

export class Subscriptions {
  readonly #store: StreamStore
  readonly #table: SubscriptionTable
  readonly #baseUrl: () => string
  readonly #signer = new Signer()
  readonly #live = new Map<string, Live>()
  readonly #unwatch: () => void
  #closed = false

  /** `baseUrl` is where consumers reach the daemon (callback and JWKS URLs are built on it). */
  constructor(store: StreamStore, table: SubscriptionTable, baseUrl: () => string) {
    this.#store = store
    this.#table = table
    this.#baseUrl = baseUrl
    for (const record of table.load()) this.#live.set(record.id, { record, retries: 0 })
    this.#unwatch = store.watch((name, change) => (change === "deleted" ? this.#forget(name) : this.#changed(name)))
  }

  get jwks(): { keys: Jwk[] } {
    return { keys: [this.#signer.jwk] }
  }

  /** Whether a bearer token was issued for this subscription (expired or not): it may reach its ack routes. */
  issuedFor(subscriptionId: string, token: string): boolean {
    const check = this.#signer.check(token, subscriptionId)
    return check.valid || check.code === "TOKEN_EXPIRED"
  }

  /** PUT: creates the subscription, or confirms an identical one (409 for a different one). */
  createOrConfirm(id: string, config: SubscriptionConfig): Reply {
    const existing = this.#live.get(id)
    if (existing) {
      if (JSON.stringify(existing.record.config) !== JSON.stringify(config))
        return error(409, "SUBSCRIPTION_ALREADY_EXISTS", `subscription ${id} exists with another configuration`)
      return { status: 200, body: this.#describe(existing) }
    }
    const urlProblem = config.webhookUrl === undefined ? undefined : webhookUrlProblem(config.webhookUrl)
    if (urlProblem) return error(400, "WEBHOOK_URL_REJECTED", urlProblem)
    const record: SubscriptionRecord = { id, config, createdAt: new Date().toISOString(), generation: 0, links: new Map() }
    // Streams start out acknowledged up to their tail: a subscription is about what comes next.
    for (const stream of config.streams) record.links.set(stream, { explicit: true, glob: false, acked: this.#tail(stream) })
    if (config.pattern)
      for (const { name } of this.#store.list())
        if (name !== config.wakeStream && globMatches(config.pattern, name)) {
          const link = record.links.get(name)
          if (link) link.glob = true
          else record.links.set(name, { explicit: false, glob: true, acked: this.#tail(name) })
        }
    this.#table.insert(record)
    const live: Live = { record, retries: 0 }
    this.#live.set(id, live)
    return { status: 201, body: this.#describe(live) }
  }

  get(id: string): Reply {
    const live = this.#live.get(id)
    return live ? { status: 200, body: this.#describe(live) } : notFound(id)
  }

  delete(id: string): Reply {
    const live = this.#live.get(id)
    if (!live) return notFound(id)
    this.#endWake(live)
    this.#table.remove(id)
    this.#live.delete(id)
    return { status: 204 }
  }

  addStreams(id: string, streams: string[]): Reply {
    const live = this.#live.get(id)
    if (!live) return notFound(id)
    for (const stream of streams) {
      const link = live.record.links.get(stream) ?? { explicit: true, glob: false, acked: this.#tail(stream) }
      link.explicit = true
      this.#saveLink(live, stream, link)
    }
    return { status: 204 }
  }

  removeStream(id: string, stream: string): Reply {
    const live = this.#live.get(id)
    if (!live) return notFound(id)
    const link = live.record.links.get(stream)
    if (link?.glob) this.#saveLink(live, stream, { ...link, explicit: false })
    else if (link) {
      live.record.links.delete(stream)
      this.#table.removeLink(id, stream)
    }
    return { status: 204 }
  }

  /** POST …/callback: a webhook receiver acknowledges (and with done, ends) its wake. */
  callback(id: string, token: string, request: AckRequest): Reply {
    return this.#acknowledge(id, "webhook", token, request)
  }

  /** POST …/ack: a pull-wake worker acknowledges (and with done, ends) the wake it claimed. */
  ack(id: string, token: string, request: AckRequest): Reply {
    return this.#acknowledge(id, "pull-wake", token, request)
  }

  /** POST …/claim: a worker takes the pending wake of a pull-wake subscription, with a lease. */
  claim(id: string, worker: string): Reply {
    const live = this.#live.get(id)
    if (!live) return notFound(id)
    if (live.record.config.type !== "pull-wake") return error(400, "INVALID_REQUEST", `subscription ${id} is not pull-wake`)
    if (live.wake?.holder)
      return error(409, "ALREADY_CLAIMED", `claimed by ${live.wake.holder}`, {
        current_holder: live.wake.holder,
        generation: live.record.generation,
      })
    const pending = this.#firstPending(live)
    if (pending === undefined) return error(409, "NO_PENDING_WORK", `subscription ${id} has nothing unacknowledged`)
    const wake = live.wake ?? this.#startWake(live, pending)
    wake.holder = worker
    wake.token = this.#signer.token(id, live.record.generation)
    this.#lease(live)
    return {
      status: 200,
      body: {
        wake_id: wake.id,
        generation: live.record.generation,
        token: wake.token,
        streams: this.#streams(live),
        lease_ttl_ms: live.record.config.leaseTtlMs,
      },
    }
  }

  /** POST …/release: a worker gives its claimed wake back unfinished. */
  release(id: string, token: string, request: AckRequest): Reply {
    const live = this.#live.get(id)
    if (!live) return notFound(id)
    if (live.record.config.type !== "pull-wake") return error(400, "INVALID_REQUEST", `subscription ${id} is not pull-wake`)
    const fenced = this.#fence(live, token, request)
    if (fenced) return fenced
    this.#endWake(live)
    this.#wakeIfPending(live)
    return { status: 204 }
  }

  close(): void {
    this.#closed = true
    this.#unwatch()
    for (const live of this.#live.values()) this.#endWake(live)
    this.#table.close()
  }

  #acknowledge(id: string, type: SubscriptionConfig["type"], token: string, request: AckRequest): Reply {
    const live = this.#live.get(id)
    if (!live) return notFound(id)
    if (live.record.config.type !== type) return error(400, "INVALID_REQUEST", `subscription ${id} is not ${type}`)
    const fenced = this.#fence(live, token, request)
    if (fenced) return fenced
    const acks = this.#parseAcks(live, request.acks)
    if (!Array.isArray(acks)) return acks
    for (const [stream, seq] of acks) this.#saveLink(live, stream, { ...live.record.links.get(stream)!, acked: seq })
    this.#lease(live)
    let nextWake = false
    if (request.done === true) {
      this.#endWake(live)
      nextWake = this.#wakeIfPending(live)
    }
    return { status: 200, body: { ok: true, next_wake: nextWake } }
  }

  /** The reply refusing a token or a wake that is not the current one, if it is not. */
  #fence(live: Live, token: string, request: AckRequest): Reply | undefined {
    const check = this.#signer.check(token, live.record.id)
    if (!check.valid) return error(401, check.code, check.code === "TOKEN_EXPIRED" ? "the wake token has expired" : "not a wake token of this subscription")
    const { generation } = live.record
    if (check.generation !== generation || request.generation !== generation || request.wake_id !== live.wake?.id)
      // JSON, not String(): a client's object may carry a toString that is no function.
      return error(409, "FENCED", `wake generation ${JSON.stringify(request.generation)} is not the current one (${generation})`)
    return undefined
  }

  /** Acknowledgements as [stream, seq] pairs, or the reply refusing them all. */
  #parseAcks(live: Live, acks: unknown): [string, number][] | Reply {
    if (acks === undefined) return []
    if (!Array.isArray(acks)) return error(400, "INVALID_REQUEST", "acks must be an array")
    const parsed: [string, number][] = []
    for (const ack of acks as { stream?: unknown; path?: unknown; offset?: unknown }[]) {
      const stream = ack?.stream ?? ack?.path
      const link = typeof stream === "string" ? live.record.links.get(stream) : undefined
      const seq = typeof ack?.offset === "string" && ack.offset !== "-1" ? parseOffset(ack.offset) : undefined
      if (!link || seq === undefined) return error(409, "INVALID_OFFSET", `cannot acknowledge ${JSON.stringify(ack)}`)
      if (seq < link.acked) return error(409, "INVALID_OFFSET", `${ack.offset} is before what ${stream} already acknowledged`)
      if (seq > this.#tail(stream as string)) return error(409, "INVALID_OFFSET", `${ack.offset} is past the end of ${stream}`)
      parsed.push([stream as string, seq])
    }
    return parsed
  }

  /** Data (or a close) committed to a stream: join it to the subscriptions whose pattern it matches, wake them. */
  #changed(name: string): void {
    if (this.#closed) return
    for (const live of this.#live.values()) {
      const { config, links } = live.record
      // A pull-wake subscription's own announcements must not wake it again.
      if (name === config.wakeStream) continue
      const link = links.get(name)
      if (config.pattern && globMatches(config.pattern, name) && !link?.glob)
        this.#saveLink(live, name, link ? { ...link, glob: true } : { explicit: false, glob: true, acked: -1 })
      if (links.has(name) && !live.wake) this.#wakeIfPending(live)
    }
  }

  #forget(name: string): void {
    for (const live of this.#live.values())
      if (live.record.links.delete(name)) this.#table.removeLink(live.record.id, name)
  }

  #wakeIfPending(live: Live): boolean {
    const pending = this.#firstPending(live)
    if (pending === undefined) return false
    this.#startWake(live, pending)
    return true
  }

  #startWake(live: Live, trigger: string): Wake {
    const { record } = live
    this.#table.setGeneration(record.id, ++record.generation)
    const wake: Wake = { id: `w_${randomBytes(12).toString("hex")}`, snapshot: new Map([...record.links.keys()].map((s) => [s, this.#tail(s)])) }
    live.wake = wake
    if (record.config.type === "webhook") {
      wake.token = this.#signer.token(record.id, record.generation)
      this.#lease(live)
      void this.#deliver(live, wake)
    } else {
      const event = { type: "wake", subscription_id: record.id, stream: trigger, generation: record.generation, ts: Date.now() }
      void this.#store.append(record.config.wakeStream!, {
        contentType: "application/json",
        messages: [new TextEncoder().encode(JSON.stringify(event))],
      })
    }
    return wake
  }

  async #deliver(live: Live, wake: Wake): Promise<void> {
    const { record } = live
    const body = JSON.stringify({
      subscription_id: record.id,
      wake_id: wake.id,
      generation: record.generation,
      streams: this.#streams(live),
      callback_url: this.#url(`subscriptions/${encodeURIComponent(record.id)}/callback`),
      callback_token: wake.token,
    })
    let reply: { done?: unknown } | undefined
    try {
      // No redirects: they could lead the daemon somewhere the URL check would have refused.
      const response = await fetch(record.config.webhookUrl!, {
        method: "POST",
        headers: { "content-type": "application/json", "webhook-signature": this.#signer.signWebhook(body) },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      })
      if (!response.ok) throw new Error(`webhook answered ${response.status}`)
      reply = (await response.json().catch(() => undefined)) as typeof reply
    } catch {
      if (live.wake === wake) this.#retry(live, wake)
      return
    }
    live.retries = 0
    if (reply?.done !== true || live.wake !== wake) return
    // A synchronous "done" acknowledges everything the wake was about.
    for (const [stream, tail] of wake.snapshot) {
      const link = live.record.links.get(stream)
      if (link && tail > link.acked) this.#saveLink(live, stream, { ...link, acked: tail })
    }
    this.#endWake(live)
    this.#wakeIfPending(live)
  }

  #retry(live: Live, wake: Wake): void {
    if (this.#closed) return
    const delay = Math.min(1000 * 2 ** live.retries++, MAX_RETRY_DELAY_MS) * (0.8 + Math.random() * 0.4)
    clearTimeout(live.retry)
    live.retry = setTimeout(() => void this.#deliver(live, wake), delay)
  }

  /** (Re)starts the lease; when it runs out the wake ends, and pending work wakes anew. */
  #lease(live: Live): void {
    clearTimeout(live.lease)
    live.lease = setTimeout(() => {
      this.#endWake(live)
      this.#wakeIfPending(live)
    }, live.record.config.leaseTtlMs)
  }

  #endWake(live: Live): void {
    clearTimeout(live.lease)
    clearTimeout(live.retry)
    live.wake = undefined
  }

  #firstPending(live: Live): string | undefined {
    for (const [stream, link] of live.record.links) if (this.#tail(stream) > link.acked) return stream
    return undefined
  }

  #saveLink(live: Live, stream: string, link: Link): void {
    live.record.links.set(stream, link)
    this.#table.saveLink(live.record.id, stream, link)
  }

  #tail(stream: string): number {
    return this.#store.get(stream)?.tailSeq ?? 0
  }

  #url(path: string): string {
    return `${this.#baseUrl()}/v1/stream/__ds/${path}`
  }

  #streams(live: Live) {
    return [...live.record.links].map(([path, link]) => {
      const tail = this.#tail(path)
      return {
        path,
        link_type: link.explicit ? "explicit" : "glob",
        acked_offset: ackedOffset(link.acked),
        tail_offset: formatOffset(tail),
        has_pending: tail > link.acked,
      }
    })
  }

  #describe(live: Live) {
    const { record } = live
    const { config } = record
    return {
      id: record.id,
      subscription_id: record.id,
      type: config.type,
      pattern: config.pattern,
      streams: this.#streams(live).map(({ path, link_type, acked_offset }) => ({ path, link_type, acked_offset })),
      webhook: config.webhookUrl
        ? { url: config.webhookUrl, signing: { alg: "ed25519", kid: this.#signer.jwk.kid, jwks_url: this.#url("jwks.json") } }
        : undefined,
      wake_stream: config.wakeStream,
      lease_ttl_ms: config.leaseTtlMs,
      created_at: record.createdAt,
      status: live.retries > 0 ? "failed" : "active",
      description: config.description,
    }
  }
}
