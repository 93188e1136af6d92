import { randomBytes } from "node:crypto"
import { formatOffset, parseOffset } from "../offsets.ts"
import type { StreamStore } from "../store.ts"
import { globMatches } from "./glob.ts"
import type { Link, LinkChanges, SubscriptionConfig, SubscriptionRecord, SubscriptionTable, Wake } from "./records.ts"
import { type Jwk, Signer } from "./signing.ts"
import { webhookUrlProblem } from "./webhook-url.ts"

// Durable Streams subscriptions: a subscription follows streams (named, or matching a pattern)
// and wakes a consumer when they hold data it has not acknowledged. A webhook subscription POSTs
// each wake to a URL; a pull-wake one announces it on a wake stream for a worker to claim. A wake
// has a generation; its token and acknowledgements are only good for that generation, so a
// consumer that lost its lease cannot acknowledge over the one that took over.
//
// The state lives in the table, not here: every change loads the record, changes it and saves it
// only if nobody saved it meanwhile (else it starts over), so the nodes sharing a database, and
// concurrent requests on one node, never overwrite each other. What a change sets off (a webhook
// call, a wake announcement, a lease timer) happens once its save has succeeded.

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

/** Work to do once a change is saved. */
type After = (() => void)[]

const WEBHOOK_TIMEOUT_MS = 10_000
const MAX_RETRY_DELAY_MS = 60_000
// How often lapsed leases are looked for (wakes whose node died, or that a restart left behind)
// and, with a shared table, how often the subscriptions other nodes made are picked up.
const SWEEP_MS = 1_000
const REFRESH_MS = 2_000
const MAX_ATTEMPTS = 50

const error = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): Reply => ({
  status,
  body: { error: { code, message, ...extra } },
})
const notFound = (id: string) => error(404, "SUBSCRIPTION_NOT_FOUND", `no subscription ${id}`)
const ackedOffset = (seq: number) => (seq < 0 ? "-1" : formatOffset(seq))
const MISSING = Symbol("missing")

/** A copy that a change cannot reach into, to tell what it changed. */
function copy(record: SubscriptionRecord): { links: Map<string, Link>; state: string } {
  const { generation, wake, failures } = record
  return { links: new Map([...record.links].map(([s, l]) => [s, { ...l }])), state: JSON.stringify({ generation, wake, failures }) }
}

function linkChanges(before: Map<string, Link>, after: Map<string, Link>): LinkChanges {
  const saved: [string, Link][] = []
  for (const [stream, link] of after) {
    const old = before.get(stream)
    if (!old || old.explicit !== link.explicit || old.glob !== link.glob || old.acked !== link.acked) saved.push([stream, link])
  }
  return { saved, removed: [...before.keys()].filter((stream) => !after.has(stream)) }
}

export class Subscriptions {
  readonly #store: StreamStore
  readonly #table: SubscriptionTable
  readonly #baseUrl: () => string
  readonly #signer: Signer
  /** what appends are matched against: each subscription's configuration and streams */
  readonly #known = new Map<string, { config: SubscriptionConfig; streams: Set<string> }>()
  /** streams that changed, per subscription, until it is looked at */
  readonly #queued = new Map<string, Set<string>>()
  readonly #leases = new Map<string, Timer>()
  readonly #retries = new Map<string, Timer>()
  readonly #unwatch: () => void
  readonly #sweeper: Timer
  #lastRefresh = Date.now()
  #closed = false

  private constructor(store: StreamStore, table: SubscriptionTable, baseUrl: () => string, signer: Signer) {
    this.#store = store
    this.#table = table
    this.#baseUrl = baseUrl
    this.#signer = signer
    this.#unwatch = store.watch((name, change) => (change === "deleted" ? this.#forget(name) : this.#changed(name)))
    this.#sweeper = setInterval(() => void this.#sweep(), SWEEP_MS)
  }

  /** `baseUrl` is where consumers reach the daemon (callback and JWKS URLs are built on it). */
  static async open(store: StreamStore, table: SubscriptionTable, baseUrl: () => string): Promise<Subscriptions> {
    const subscriptions = new Subscriptions(store, table, baseUrl, new Signer(await table.signingKeys()))
    try {
      await subscriptions.#refresh()
    } catch (failure) {
      subscriptions.close()
      throw failure
    }
    return subscriptions
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
  async createOrConfirm(id: string, config: SubscriptionConfig): Promise<Reply> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const existing = await this.#table.load(id)
      if (existing) {
        if (JSON.stringify(existing.config) !== JSON.stringify(config))
          return error(409, "SUBSCRIPTION_ALREADY_EXISTS", `subscription ${id} exists with another configuration`)
        return { status: 200, body: await this.#describe(existing) }
      }
      const urlProblem = config.webhookUrl === undefined ? undefined : webhookUrlProblem(config.webhookUrl)
      if (urlProblem) return error(400, "WEBHOOK_URL_REJECTED", urlProblem)
      const record: SubscriptionRecord = { id, config, createdAt: new Date().toISOString(), generation: 0, links: new Map(), failures: 0, version: 0 }
      const globbed = config.pattern ? (await this.#store.list()).map((m) => m.name).filter((name) => name !== config.wakeStream && globMatches(config.pattern!, name)) : []
      // Streams start out acknowledged up to their tail: a subscription is about what comes next.
      const tails = await this.#store.tails([...config.streams, ...globbed])
      for (const stream of config.streams) record.links.set(stream, { explicit: true, glob: false, acked: tails.get(stream) ?? 0 })
      for (const name of globbed) {
        const link = record.links.get(name)
        if (link) link.glob = true
        else record.links.set(name, { explicit: false, glob: true, acked: tails.get(name) ?? 0 })
      }
      // Lost a race with another node creating it: confirm (or refuse) against theirs.
      if (!(await this.#table.insert(record))) continue
      this.#remember(record)
      return { status: 201, body: this.#present(record, tails) }
    }
    throw new Error(`subscription ${id} kept changing while it was created`)
  }

  async get(id: string): Promise<Reply> {
    const record = await this.#table.load(id)
    return record ? { status: 200, body: await this.#describe(record) } : notFound(id)
  }

  async delete(id: string): Promise<Reply> {
    if (!(await this.#table.remove(id))) return notFound(id)
    this.#known.delete(id)
    this.#clearTimers(id)
    return { status: 204 }
  }

  async addStreams(id: string, streams: string[]): Promise<Reply> {
    const result = await this.#update(id, async (record) => {
      const tails = await this.#store.tails(streams)
      for (const stream of streams) {
        const link = record.links.get(stream) ?? { explicit: true, glob: false, acked: tails.get(stream) ?? 0 }
        record.links.set(stream, { ...link, explicit: true })
      }
    })
    return result === MISSING ? notFound(id) : { status: 204 }
  }

  async removeStream(id: string, stream: string): Promise<Reply> {
    const result = await this.#update(id, (record) => {
      const link = record.links.get(stream)
      if (link?.glob) record.links.set(stream, { ...link, explicit: false })
      else record.links.delete(stream)
    })
    return result === MISSING ? notFound(id) : { status: 204 }
  }

  /** POST …/callback: a webhook receiver acknowledges (and with done, ends) its wake. */
  callback(id: string, token: string, request: AckRequest): Promise<Reply> {
    return this.#acknowledge(id, "webhook", token, request)
  }

  /** POST …/ack: a pull-wake worker acknowledges (and with done, ends) the wake it claimed. */
  ack(id: string, token: string, request: AckRequest): Promise<Reply> {
    return this.#acknowledge(id, "pull-wake", token, request)
  }

  /** POST …/claim: a worker takes the pending wake of a pull-wake subscription, with a lease. */
  async claim(id: string, worker: string): Promise<Reply> {
    const reply = await this.#update(id, async (record, after): Promise<Reply> => {
      if (record.config.type !== "pull-wake") return error(400, "INVALID_REQUEST", `subscription ${id} is not pull-wake`)
      if (record.wake?.holder)
        return error(409, "ALREADY_CLAIMED", `claimed by ${record.wake.holder}`, { current_holder: record.wake.holder, generation: record.generation })
      const tails = await this.#tails(record)
      const pending = this.#firstPending(record, tails)
      if (pending === undefined) return error(409, "NO_PENDING_WORK", `subscription ${id} has nothing unacknowledged`)
      const wake = record.wake ?? this.#startWake(record, pending, tails, after)
      wake.holder = worker
      this.#lease(record, wake, after)
      return {
        status: 200,
        body: {
          wake_id: wake.id,
          generation: record.generation,
          token: this.#signer.token(id, record.generation),
          streams: this.#streams(record, tails),
          lease_ttl_ms: record.config.leaseTtlMs,
        },
      }
    })
    return reply === MISSING ? notFound(id) : reply
  }

  /** POST …/release: a worker gives its claimed wake back unfinished. */
  async release(id: string, token: string, request: AckRequest): Promise<Reply> {
    const reply = await this.#update(id, async (record, after): Promise<Reply> => {
      if (record.config.type !== "pull-wake") return error(400, "INVALID_REQUEST", `subscription ${id} is not pull-wake`)
      const fenced = this.#fence(record, token, request)
      if (fenced) return fenced
      record.wake = undefined
      await this.#wakeIfPending(record, after)
      return { status: 204 }
    })
    return reply === MISSING ? notFound(id) : reply
  }

  close(): void {
    this.#closed = true
    this.#unwatch()
    clearInterval(this.#sweeper)
    for (const id of [...this.#leases.keys(), ...this.#retries.keys()]) this.#clearTimers(id)
    void this.#table.close()
  }

  async #acknowledge(id: string, type: SubscriptionConfig["type"], token: string, request: AckRequest): Promise<Reply> {
    const reply = await this.#update(id, async (record, after): Promise<Reply> => {
      if (record.config.type !== type) return error(400, "INVALID_REQUEST", `subscription ${id} is not ${type}`)
      const fenced = this.#fence(record, token, request)
      if (fenced) return fenced
      const acks = await this.#parseAcks(record, request.acks)
      if (!Array.isArray(acks)) return acks
      for (const [stream, seq] of acks) record.links.set(stream, { ...record.links.get(stream)!, acked: seq })
      if (record.wake) this.#lease(record, record.wake, after)
      let nextWake = false
      if (request.done === true) {
        record.wake = undefined
        nextWake = await this.#wakeIfPending(record, after)
      }
      return { status: 200, body: { ok: true, next_wake: nextWake } }
    })
    return reply === MISSING ? notFound(id) : reply
  }

  /** The reply refusing a token or a wake that is not the current one, if it is not. */
  #fence(record: SubscriptionRecord, token: string, request: AckRequest): Reply | undefined {
    const check = this.#signer.check(token, record.id)
    if (!check.valid) return error(401, check.code, check.code === "TOKEN_EXPIRED" ? "the wake token has expired" : "not a wake token of this subscription")
    const { generation } = record
    if (check.generation !== generation || request.generation !== generation || request.wake_id !== record.wake?.id)
      // JSON, not String(): a client's object may carry a toString that is no function.
      return error(409, "FENCED", `wake generation ${JSON.stringify(request.generation)} is not the current one (${generation})`)
    return undefined
  }

  /** Acknowledgements as [stream, seq] pairs, or the reply refusing them all. */
  async #parseAcks(record: SubscriptionRecord, acks: unknown): Promise<[string, number][] | Reply> {
    if (acks === undefined) return []
    if (!Array.isArray(acks)) return error(400, "INVALID_REQUEST", "acks must be an array")
    const items = acks as { stream?: unknown; path?: unknown; offset?: unknown }[]
    const named = items.map((ack) => ack?.stream ?? ack?.path).filter((s): s is string => typeof s === "string")
    const tails = await this.#store.tails(named)
    const parsed: [string, number][] = []
    for (const ack of items) {
      const stream = ack?.stream ?? ack?.path
      const link = typeof stream === "string" ? record.links.get(stream) : undefined
      const seq = typeof ack?.offset === "string" && ack.offset !== "-1" ? parseOffset(ack.offset) : undefined
      if (!link || seq === undefined) return error(409, "INVALID_OFFSET", `cannot acknowledge ${JSON.stringify(ack)}`)
      if (seq < link.acked) return error(409, "INVALID_OFFSET", `${ack.offset} is before what ${stream} already acknowledged`)
      if (seq > (tails.get(stream as string) ?? 0)) return error(409, "INVALID_OFFSET", `${ack.offset} is past the end of ${stream}`)
      parsed.push([stream as string, seq])
    }
    return parsed
  }

  /** Data (or a close) committed to a stream: the subscriptions that follow it, or whose pattern it matches, look at it. */
  #changed(name: string): void {
    if (this.#closed) return
    for (const [id, { config, streams }] of this.#known) {
      // A pull-wake subscription's own announcements must not wake it again.
      if (name === config.wakeStream) continue
      if (streams.has(name) || (config.pattern && globMatches(config.pattern, name))) this.#queue(id, name)
    }
  }

  /** Looks at the streams that changed for a subscription, one look at a time. */
  #queue(id: string, stream: string): void {
    const queued = this.#queued.get(id)
    if (queued) {
      queued.add(stream)
      return
    }
    this.#queued.set(id, new Set([stream]))
    void (async () => {
      for (let streams = this.#queued.get(id); streams && streams.size > 0; streams = this.#queued.get(id)) {
        const changed = [...streams]
        streams.clear()
        await this.#update(id, async (record, after) => {
          const { pattern } = record.config
          for (const name of changed) {
            const link = record.links.get(name)
            if (pattern && globMatches(pattern, name) && !link?.glob)
              record.links.set(name, link ? { ...link, glob: true } : { explicit: false, glob: true, acked: -1 })
          }
          if (!record.wake && changed.some((name) => record.links.has(name))) await this.#wakeIfPending(record, after)
        }).catch((failure) => this.#report(id, failure))
      }
      this.#queued.delete(id)
    })()
  }

  #forget(name: string): void {
    for (const [id, { streams }] of this.#known)
      if (streams.has(name))
        this.#update(id, (record) => void record.links.delete(name)).catch((failure) => this.#report(id, failure))
  }

  /**
   * Loads the record, lets `change` change it, and saves it unless it was saved meanwhile (then
   * all over again); runs what the change set off once the save succeeded. A wake whose lease has
   * run out is ended first (and pending work woken anew), as its lease timer would have.
   */
  async #update<T>(id: string, change: (record: SubscriptionRecord, after: After) => T | Promise<T>): Promise<T | typeof MISSING> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const record = await this.#table.load(id)
      if (!record) {
        this.#known.delete(id)
        return MISSING
      }
      const before = copy(record)
      const after: After = []
      if (record.wake?.leaseUntil !== undefined && record.wake.leaseUntil <= Date.now()) {
        record.wake = undefined
        await this.#wakeIfPending(record, after)
      }
      const value = await change(record, after)
      const links = linkChanges(before.links, record.links)
      const unchanged = links.saved.length === 0 && links.removed.length === 0 && copy(record).state === before.state
      if (unchanged || (await this.#table.save(record, links))) {
        this.#remember(record)
        for (const effect of after) effect()
        return value
      }
    }
    throw new Error(`subscription ${id} kept changing underneath its update`)
  }

  async #wakeIfPending(record: SubscriptionRecord, after: After): Promise<boolean> {
    const tails = await this.#tails(record)
    const pending = this.#firstPending(record, tails)
    if (pending === undefined) return false
    this.#startWake(record, pending, tails, after)
    return true
  }

  #startWake(record: SubscriptionRecord, trigger: string, tails: Map<string, number>, after: After): Wake {
    const generation = ++record.generation
    const wake: Wake = { id: `w_${randomBytes(12).toString("hex")}`, snapshot: Object.fromEntries([...record.links.keys()].map((s) => [s, tails.get(s) ?? 0])) }
    record.wake = wake
    if (record.config.type === "webhook") {
      const token = this.#signer.token(record.id, generation)
      this.#lease(record, wake, after)
      after.push(() => void this.#deliver(record.id, wake.id, token))
    } else {
      const event = { type: "wake", subscription_id: record.id, stream: trigger, generation, ts: Date.now() }
      after.push(() =>
        void this.#store
          .append(record.config.wakeStream!, { contentType: "application/json", messages: [new TextEncoder().encode(JSON.stringify(event))] })
          .catch((failure) => this.#report(record.id, failure)),
      )
    }
    return wake
  }

  async #deliver(id: string, wakeId: string, token: string): Promise<void> {
    const record = await this.#table.load(id).catch(() => undefined)
    if (!record || record.wake?.id !== wakeId || this.#closed) return
    const body = JSON.stringify({
      subscription_id: id,
      wake_id: wakeId,
      generation: record.generation,
      streams: this.#streams(record, await this.#tails(record)),
      callback_url: this.#url(`subscriptions/${encodeURIComponent(id)}/callback`),
      callback_token: token,
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
      const failures = await this.#update(id, (r) => (r.wake?.id === wakeId ? ++r.failures : 0)).catch(() => 0)
      if (failures !== MISSING && failures > 0 && !this.#closed) {
        const delay = Math.min(1000 * 2 ** (failures - 1), MAX_RETRY_DELAY_MS) * (0.8 + Math.random() * 0.4)
        clearTimeout(this.#retries.get(id))
        this.#retries.set(id, setTimeout(() => void this.#deliver(id, wakeId, token), delay))
      }
      return
    }
    await this.#update(id, async (r, after) => {
      r.failures = 0
      if (reply?.done !== true || r.wake?.id !== wakeId) return
      // A synchronous "done" acknowledges everything the wake was about.
      for (const [stream, tail] of Object.entries(r.wake.snapshot)) {
        const link = r.links.get(stream)
        if (link && tail > link.acked) r.links.set(stream, { ...link, acked: tail })
      }
      r.wake = undefined
      await this.#wakeIfPending(r, after)
    }).catch((failure) => this.#report(id, failure))
  }

  /** (Re)starts the wake's lease; when it runs out the wake ends, and pending work wakes anew. */
  #lease(record: SubscriptionRecord, wake: Wake, after: After): void {
    const until = Date.now() + record.config.leaseTtlMs
    wake.leaseUntil = until
    after.push(() => {
      clearTimeout(this.#leases.get(record.id))
      this.#leases.set(record.id, setTimeout(() => void this.#expire(record.id), Math.max(0, until - Date.now())))
    })
  }

  /** An update that changes nothing: it ends the wake if its lease has run out. */
  #expire(id: string): Promise<unknown> {
    return this.#update(id, () => undefined).catch((failure) => this.#report(id, failure))
  }

  /** Ends the lapsed leases no timer here watches, and picks up what other nodes changed. */
  async #sweep(): Promise<void> {
    try {
      for (const id of await this.#table.lapsed(Date.now())) await this.#expire(id)
      if (this.#table.shared && Date.now() - this.#lastRefresh >= REFRESH_MS) await this.#refresh()
    } catch {
      // The database is away; the next sweep tries again.
    }
  }

  async #refresh(): Promise<void> {
    this.#lastRefresh = Date.now()
    const summaries = await this.#table.summaries()
    const ids = new Set(summaries.map((s) => s.id))
    for (const id of this.#known.keys()) if (!ids.has(id)) this.#known.delete(id)
    for (const { id, config, streams } of summaries) this.#known.set(id, { config, streams: new Set(streams) })
  }

  #remember(record: SubscriptionRecord): void {
    this.#known.set(record.id, { config: record.config, streams: new Set(record.links.keys()) })
  }

  #clearTimers(id: string): void {
    clearTimeout(this.#leases.get(id))
    clearTimeout(this.#retries.get(id))
    this.#leases.delete(id)
    this.#retries.delete(id)
  }

  #report(id: string, failure: unknown): void {
    if (!this.#closed) console.error(`subscription ${id}: ${(failure as Error).message}`)
  }

  #firstPending(record: SubscriptionRecord, tails: Map<string, number>): string | undefined {
    for (const [stream, link] of record.links) if ((tails.get(stream) ?? 0) > link.acked) return stream
    return undefined
  }

  #tails(record: SubscriptionRecord): Promise<Map<string, number>> {
    return this.#store.tails([...record.links.keys()])
  }

  #url(path: string): string {
    return `${this.#baseUrl()}/v1/stream/__ds/${path}`
  }

  #streams(record: SubscriptionRecord, tails: Map<string, number>) {
    return [...record.links].map(([path, link]) => {
      const tail = tails.get(path) ?? 0
      return {
        path,
        link_type: link.explicit ? "explicit" : "glob",
        acked_offset: ackedOffset(link.acked),
        tail_offset: formatOffset(tail),
        has_pending: tail > link.acked,
      }
    })
  }

  async #describe(record: SubscriptionRecord) {
    return this.#present(record, await this.#tails(record))
  }

  #present(record: SubscriptionRecord, tails: Map<string, number>) {
    const { config } = record
    return {
      id: record.id,
      subscription_id: record.id,
      type: config.type,
      pattern: config.pattern,
      streams: this.#streams(record, tails).map(({ path, link_type, acked_offset }) => ({ path, link_type, acked_offset })),
      webhook: config.webhookUrl
        ? { url: config.webhookUrl, signing: { alg: "ed25519", kid: this.#signer.jwk.kid, jwks_url: this.#url("jwks.json") } }
        : undefined,
      wake_stream: config.wakeStream,
      lease_ttl_ms: config.leaseTtlMs,
      created_at: record.createdAt,
      status: record.failures > 0 ? "failed" : "active",
      description: config.description,
    }
  }
}
