import { encodeJson, EXTRA_FIELDS, FIELD_MUTATIONS, fieldPaths, type Hints, type OpenApiDocument, type Operation, sample, withField } from "./openapi.ts"
import { Prng } from "./prng.ts"

// The hostile requests, one list per operation of the OpenAPI document. Every choice is made from
// the seeded generator when the list is built; what only exists at run time (the token, the
// streams and subscriptions made for the operation) is filled in when a request is sent.

/** What a run of one operation's cases has to work with; made afresh for each operation. */
export interface Fixtures {
  token: string
  port: number
  /** an existing directory (for agents) */
  dir: string
  /** where the test's webhook receiver listens */
  hookUrl: string
  /** in every fixture stream's data: must never reach a client without credentials */
  marker: string
  streams: { json: string; text: string; bin: string; closed: string; source: string; fork: string; wake: string }
  /** a pull-wake subscription with pending work, claimed */
  pull: Wake
  /** a webhook subscription whose wake the test's receiver got */
  hook: Wake
  /** a pull-wake subscription with pending work nobody has claimed */
  unclaimed: string
}

export interface Wake {
  id: string
  token?: string
  wakeId?: string
  generation?: number
}

export interface RequestSpec {
  method: string
  /** as it goes on the wire after the origin, query included */
  path: string
  headers: [string, string][]
  body?: Uint8Array<ArrayBuffer> | string
}

/**
 * ok: authenticated, any 4xx goes; refused: must be 401/403/421; health: /health answers identity
 * only; session: GET /v1/web/session (the web UI asks it before logging in) says "not logged in" only.
 */
export type Expectation = "ok" | "refused" | "health" | "session"

export interface Case {
  index: number
  op: string
  label: string
  expect: Expectation
  build: (fx: Fixtures) => RequestSpec
}

type Body = { contentType?: string; body: string | Uint8Array<ArrayBuffer> }
type BodyFn = (fx: Fixtures) => Body | undefined
type Headers = (fx: Fixtures) => [string, string][]

// Path parameter values as they go on the wire (fetch still normalises dot segments).
const PATH_VALUES: string[] = [
  "",
  "%00",
  "a%00b",
  "%ZZ",
  "%",
  "%%",
  "%E0%A4%A",
  "%FF%FE",
  "%C0%AF",
  "..",
  "%2e%2e",
  "..%2F..%2Fetc%2Fpasswd",
  "a%2F..%2Fb",
  "%2F",
  "a%2Fb",
  "a/b",
  "a//b",
  "__ds",
  "__ds%2Fx",
  "%5F%5Fds",
  "n".repeat(10_000),
  "%41".repeat(3_000),
  encodeURIComponent("日本語"),
  encodeURIComponent("😀"),
  "%F0%9F%98",
  "%01%02%1F%7F",
  "%0D%0AX-Injected:%201",
  "a%20b",
  "%3F%23",
  "%25",
  "%2525",
  "-1",
  "0",
  "null",
  "undefined",
  "__proto__",
  "constructor",
  ".",
  "~",
  "a;b=c",
  "A".repeat(256),
  "A".repeat(257),
]

// Header values by the name the OpenAPI document gives a header parameter (latin1 only: fetch sends nothing else).
const OFFSETS = ["", "-1", "-2", "now", "abc", "0000000000000000", "0000000000000001", "9999999999999999", "99999999999999999999", "1e3", "0x10"]
const NUMBERS = ["", " ", "-1", "0", "1", "01", "1.5", "1e3", "-0", "+1", "0x1", "99999999999999999999", "9007199254740991", "9007199254740992", "9999999999999999", "NaN", "abc"]
const HEADER_VALUES: Record<string, (fx: Fixtures) => string[]> = {
  "content-type": () => [
    "",
    "application/json",
    "text/plain",
    "application/octet-stream",
    "APPLICATION/JSON",
    "application/json; charset=utf-16",
    "application/json;;;",
    'text/plain; charset="',
    "*/*",
    "application/",
    "/",
    "a/b/c",
    "multipart/form-data; boundary=",
    "application/x-www-form-urlencoded",
    "x".repeat(8_000),
  ],
  "stream-ttl": () => NUMBERS,
  "stream-expires-at": () => [
    "",
    "tomorrow",
    "2099-13-45T99:99:99Z",
    "2000-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "+275760-09-13T00:00:00.000Z",
    "2099-01-01T00:00:00",
    "2099-01-01Tgarbage",
    "0000-00-00T00:00:00Z",
  ],
  "stream-closed": () => ["true", "TRUE", "false", "", "1"],
  "stream-seq": () => ["", "a", "\u00ff", "9".repeat(8_000), "-1", "0"],
  "stream-forked-from": (fx) => [
    "",
    "missing",
    "http://[::1",
    "%ZZ",
    "/v1/stream/%ZZ",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "/v1/stream/__ds/x",
    "//evil.example/v1/stream/x",
    fx.streams.source,
    fx.streams.closed,
    fx.streams.text,
    `http://127.0.0.1:1/v1/stream/${fx.streams.source}`,
    "x".repeat(10_000),
  ],
  "stream-fork-offset": () => OFFSETS,
  "stream-fork-sub-offset": () => NUMBERS,
  "producer-id": () => ["", " ", "p", "x".repeat(8_000), "\u00ff\u00fe"],
  "producer-epoch": () => NUMBERS,
  "producer-seq": () => NUMBERS,
}

const QUERY_VALUES: Record<string, string[]> = {
  offset: [...OFFSETS, "NOW", "%00", "%ZZ", "0".repeat(10_000), "0000000000000000_0000000000000000", "00000000000000-1", "1" + "0".repeat(15)],
  live: ["bogus", "", "sse", "long-poll", "SSE", "long_poll", "%00", "websocket"],
  cursor: ["-1", "abc", "999999999999999999999", "1e308", "", "9".repeat(10_000), "123456789012345", "%ZZ", "NaN"],
}

// Query strings any route may get.
const GENERIC_QUERIES = ["%ZZ=1", "a=%ZZ", "&&&", "=", "a[b][c]=1", "__proto__[x]=1", "a=1&".repeat(2_000), `x=${"y".repeat(10_000)}`, "offset=-1&offset=-1"]

const enc = new TextEncoder()
const bytes = (...values: number[]) => Uint8Array.from(values)
const concat = (...parts: Uint8Array[]) => new Uint8Array(Bun.concatArrayBuffers(parts))

/** Bodies any writing route may get: broken, empty, huge, deep, mislabelled. */
function bodyVariants(prng: Prng): [label: string, body: Body][] {
  const json = (label: string, body: string | Uint8Array<ArrayBuffer>): [string, Body] => [label, { contentType: "application/json", body }]
  const garbage = prng.bytes(1024)
  return [
    json("empty JSON", ""),
    json("{", "{"),
    json("[", "["),
    json("null", "null"),
    json("true", "true"),
    json("0", "0"),
    json("string", '"str"'),
    json("[]", "[]"),
    json("{}", "{}"),
    json("[[]]", "[[]]"),
    json("[null]", "[null]"),
    json("[{}]", "[{}]"),
    json("truncated object", '{"a":'),
    json("single quotes", "{'a':1}"),
    json("bare keys", "{a:1}"),
    json("trailing comma", "[1,]"),
    json("NaN", "NaN"),
    json("1e99999", "1e99999"),
    json("lone surrogate", '"\\ud800"'),
    json("BOM", "\ufeff{}"),
    json("trailing garbage", "{}garbage"),
    json("__proto__", '{"__proto__":{"polluted":true},"type":"x"}'),
    json("nested 200k arrays", `${"[".repeat(200_000)}${"]".repeat(200_000)}`),
    json("nested 200k objects", `${'{"a":'.repeat(200_000)}1${"}".repeat(200_000)}`),
    json("100k array", `[${Array(100_000).fill("1").join(",")}]`),
    json("2 MB string", JSON.stringify("s".repeat(2 * 1024 * 1024))),
    json("50k keys", `{${Array.from({ length: 50_000 }, (_, i) => `"k${i}":${i}`).join(",")}}`),
    json("invalid UTF-8", bytes(0xff, 0xfe, 0xfd)),
    json("overlong UTF-8", bytes(0x22, 0xc0, 0xaf, 0x22)),
    json("invalid UTF-8 in a string", concat(enc.encode('{"type":"'), bytes(0xff), enc.encode('"}'))),
    json("binary garbage", garbage),
    ["octet-stream garbage", { contentType: "application/octet-stream", body: garbage }],
    ["text/plain garbage", { contentType: "text/plain", body: garbage }],
    ["no content type, garbage", { body: garbage }],
    ["no content type, JSON", { body: '{"type":"x"}' }],
    ["text/plain JSON", { contentType: "text/plain", body: '[{"type":"x"}]' }],
    ["form", { contentType: "application/x-www-form-urlencoded", body: "a=1&b=%ZZ&__proto__[x]=1" }],
    ["multipart garbage", { contentType: "multipart/form-data; boundary=x", body: "--x\r\nContent-Disposition: form-data\r\n\r\n\u0000\r\n--x" }],
    ["multipart no boundary", { contentType: "multipart/form-data", body: "garbage" }],
    ["latin1 JSON", { contentType: "application/json; charset=latin1", body: bytes(0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d) }],
    ["4 MB octets", { contentType: "application/octet-stream", body: new Uint8Array(4 * 1024 * 1024).fill(0x61) }],
  ]
}

/** Authorization headers that must not get in; undefined leaves the header out. */
function authVariants(fx: Fixtures, op: Operation): [label: string, value: string | undefined][] {
  const t = fx.token
  const variants: [string, string | undefined][] = [
    ["no Authorization", undefined],
    ["empty", ""],
    ["Bearer alone", "Bearer"],
    ["Bearer and a space", "Bearer "],
    ["wrong token", "Bearer x"],
    ["token with a suffix", `Bearer ${t}x`],
    ["token with a prefix", `Bearer x${t}`],
    ["token cut short", `Bearer ${t.slice(0, -1)}`],
    ["token twice", `Bearer ${t} ${t}`],
    ["token split by a space", `Bearer ${t.slice(0, 10)} ${t.slice(10)}`],
    ["Bearer with a tab", `Bearer\t${t}`],
    ["Basic with the token", `Basic ${btoa(`iterate:${t}`)}`],
    ["Basic without a colon", `Basic ${btoa(t)}`],
    ["Basic garbage base64", "Basic !!!@@@==="],
    ["huge Basic", `Basic ${"A".repeat(10_000)}`],
    ["another scheme", `Token ${t}`],
    ["token without scheme", t],
    ["huge Bearer", `Bearer ${"x".repeat(10_000)}`],
    ["Digest", 'Digest username="iterate", response="x"'],
  ]
  // A wake token opens its own subscription's acknowledgement routes and nothing else.
  const wakeRoute = /\/(ack|callback|release)$/.exec(op.path)?.[1]
  if (fx.pull.token && wakeRoute !== "ack" && wakeRoute !== "release") variants.push(["pull wake token", `Bearer ${fx.pull.token}`])
  if (fx.hook.token && wakeRoute !== "callback") variants.push(["webhook wake token", `Bearer ${fx.hook.token}`])
  return variants
}

// What a DNS-rebinding page or another site's page would make a browser send.
const FOREIGN = (fx: Fixtures): [string, string][] => [
  ["Host", "evil.example"],
  ["Host", `127.0.0.1:${fx.port + 1}`],
  ["Host", `localhost:${fx.port}.evil.example`],
  ["Host", `[::2]:${fx.port}`],
  ["Origin", "http://evil.example"],
  ["Origin", "null"],
  ["Origin", `http://127.0.0.1:${fx.port + 1}`],
  ["Sec-Fetch-Site", "cross-site"],
  ["Sec-Fetch-Site", "same-site"],
]

/** The parts of a request a case may replace. */
interface Parts {
  path?: Record<string, (fx: Fixtures) => string>
  query?: (fx: Fixtures) => string
  headers?: Headers
  body?: BodyFn
  auth?: (fx: Fixtures) => string | undefined
}

/** Builds every case of one operation. */
export class CaseBuilder {
  readonly cases: Case[] = []
  readonly #prng: Prng
  readonly #bodies: [string, Body][]

  constructor(
    readonly doc: OpenApiDocument,
    seed: number,
    readonly template: Fixtures,
  ) {
    this.#prng = new Prng(seed)
    this.#bodies = bodyVariants(this.#prng)
  }

  /** All cases for `op`; `writes` says whether it may be sent authenticated at all (not shutdown). */
  add(op: Operation, writes = true): void {
    this.#refusals(op)
    if (!writes) return
    this.#methodCases(op)
    this.#pathCases(op)
    this.#bodyCases(op)
    this.#schemaCases(op)
    this.#queryCases(op)
    this.#headerCases(op)
    this.#randomCases(op, 40)
  }

  #push(op: Operation, label: string, parts: Parts, expect: Expectation = "ok") {
    const index = this.cases.length
    this.cases.push({
      index,
      op: op.key,
      label,
      expect,
      build: (fx) => {
        let path = op.path
        for (const param of op.pathParams) {
          const value = parts.path?.[param]?.(fx) ?? validParam(op, param, fx, index)
          path = path.replace(`{${param}}`, value)
        }
        const query = parts.query?.(fx)
        const headers: [string, string][] = []
        const auth = parts.auth ? parts.auth(fx) : `Bearer ${defaultToken(op, fx)}`
        if (auth !== undefined) headers.push(["Authorization", auth])
        const body = op.method === "GET" || op.method === "HEAD" ? undefined : (parts.body ?? ((f) => validBody(this.doc, op, f)))(fx)
        if (body?.contentType !== undefined) headers.push(["Content-Type", body.contentType])
        for (const [name, value] of parts.headers?.(fx) ?? []) {
          const at = headers.findIndex(([n]) => n.toLowerCase() === name.toLowerCase())
          if (at >= 0) headers.splice(at, 1)
          headers.push([name, value])
        }
        return { method: op.method, path: query === undefined ? path : `${path}?${query}`, headers, body: body?.body }
      },
    })
  }

  #refusals(op: Operation) {
    const open = op.key === "GET /health" ? "health" : op.key === "GET /v1/web/session" ? "session" : undefined
    for (const [label] of authVariants(this.template, op))
      this.#push(op, `auth: ${label}`, { auth: (fx) => Object.fromEntries(authVariants(fx, op))[label] }, open ?? "refused")
    // With the daemon's token: a foreign Host, Origin or site is refused all the same.
    FOREIGN(this.template).forEach(([name, value], i) =>
      this.#push(op, `${name}: ${value}`, { headers: (fx) => [FOREIGN(fx)[i]!] }, "refused"),
    )
  }

  /** The operation's path with methods it does not have. */
  #methodCases(op: Operation) {
    for (const method of ["PATCH", "OPTIONS", "PROPFIND", "HEAD"].filter((m) => m !== op.method))
      this.#push({ ...op, method }, `method ${method}`, {})
  }

  #pathCases(op: Operation) {
    // With the daemon's token, so that the acknowledgement routes look at the path before the wake token.
    for (const param of op.pathParams)
      for (const value of PATH_VALUES)
        this.#push(op, `path ${param}=${abbreviate(value)}`, { path: { [param]: () => value }, auth: (fx) => `Bearer ${fx.token}` })
  }

  #bodyCases(op: Operation) {
    if (op.method === "GET" || op.method === "HEAD") return
    for (const [label, body] of this.#bodies) this.#push(op, `body: ${label}`, { body: () => body })
  }

  /** A valid body from the schema, then each field of it broken in turn, and unknown fields added. */
  #schemaCases(op: Operation) {
    const schema = op.body?.schema
    if (!schema) return
    const template = sample(this.doc, schema, schemaHints(op, this.template))
    const json = (value: unknown): Body => ({ contentType: "application/json", body: encodeJson(value) })
    const base = (fx: Fixtures) => sample(this.doc, schema, schemaHints(op, fx))
    this.#push(op, "schema: valid", { body: (fx) => json(base(fx)) })
    for (const path of fieldPaths(template)) {
      for (const [label, value] of FIELD_MUTATIONS)
        this.#push(op, `schema: ${path.join(".")} ${label}`, { body: (fx) => json(withField(base(fx), path, value)) })
    }
    for (const path of [[], ...fieldPaths(template)]) {
      if (!isObject(path.length ? get(template, path) : template)) continue
      for (const [label, key, value] of EXTRA_FIELDS)
        this.#push(op, `schema: ${[...path, key].join(".")} ${label}`, {
          body: (fx) => json(withField(base(fx), [...path, key], value)),
        })
    }
    // The whole body as another JSON type (null to the 100k string).
    for (const [label, value] of FIELD_MUTATIONS.slice(1, 12))
      this.#push(op, `schema: body ${label}`, { body: () => json(value) })
    this.#push(op, "schema: body wrapped in an array", { body: (fx) => json([base(fx)]) })
  }

  #queryCases(op: Operation) {
    for (const query of GENERIC_QUERIES) this.#push(op, `query ${abbreviate(query)}`, { query: () => query })
    for (const param of op.queryParams) {
      for (const value of QUERY_VALUES[param.name] ?? PATH_VALUES.slice(0, 10)) {
        // Live modes and cursors are only looked at on a read from a valid offset.
        const query = param.name === "offset" ? `offset=${value}` : `offset=-1&${param.name}=${value}`
        this.#push(op, `query ${abbreviate(query)}`, { query: () => query })
      }
      this.#push(op, `query ${param.name} repeated`, { query: () => `${param.name}=-1&${param.name}=now&${param.name}=sse` })
    }
    if (op.queryParams.length)
      for (let i = 0; i < 25; i++) {
        const query = op.queryParams
          .filter(() => this.#prng.chance(0.7))
          .map((p) => `${p.name}=${this.#prng.pick(QUERY_VALUES[p.name] ?? PATH_VALUES)}`)
          .join("&")
        this.#push(op, `query mix ${abbreviate(query)}`, { query: () => query })
      }
  }

  #headerCases(op: Operation) {
    const named = op.headerParams.map((p) => p.name)
    // Every route hears the generic ones; the stream protocol's own headers go where the document declares them.
    const generic: [string, string][] = [
      ["Accept", "garbage/garbage;q=x"],
      ["Accept-Encoding", "gzip, br, zstd, garbage;q=-1"],
      ["Cookie", "a=%ZZ; __proto__=1"],
      ["X-Forwarded-For", "garbage, ::ffff:999.1.1.1"],
      ["X-Forwarded-Host", "evil.example"],
      ["Range", "bytes=99999999999999999999-"],
      ["If-Modified-Since", "garbage"],
      ["If-None-Match", "*"],
      ["If-None-Match", "x".repeat(10_000)],
      ["If-None-Match", '"1:-1:0000000000000000", W/"x", ,,,'],
      ["Connection", "close"],
      ["Content-Type", "x".repeat(8_000)],
    ]
    for (const [name, value] of generic) this.#push(op, `header ${name}: ${abbreviate(value)}`, { headers: () => [[name, value]] })
    for (const name of named) {
      const values = HEADER_VALUES[name.toLowerCase()]
      if (!values) continue
      values(this.template).forEach((_, i) =>
        this.#push(op, `header ${name}: ${abbreviate(values(this.template)[i]!)}`, { headers: (fx) => [[name, values(fx)[i]!]] }),
      )
    }
    if (named.some((n) => n.toLowerCase() === "producer-id"))
      for (let i = 0; i < 30; i++) {
        const triple = (["Producer-Id", "Producer-Epoch", "Producer-Seq"] as const)
          .filter(() => this.#prng.chance(0.85))
          .map((n): [string, string] => [n, this.#prng.pick(HEADER_VALUES[n.toLowerCase()]!(this.template))])
        this.#push(op, `producer ${triple.map(([n, v]) => `${n}=${abbreviate(v)}`).join(" ")}`, { headers: () => triple })
      }
  }

  /** Random mixtures of everything above, on the valid request. */
  #randomCases(op: Operation, count: number) {
    const p = this.#prng
    for (let i = 0; i < count; i++) {
      const parts: Parts = {}
      const label: string[] = []
      for (const param of op.pathParams)
        if (p.chance(0.3)) {
          const value = p.pick(PATH_VALUES)
          parts.path = { ...parts.path, [param]: () => value }
          label.push(`${param}=${abbreviate(value)}`)
        }
      if (op.queryParams.length && p.chance(0.6)) {
        const query = op.queryParams.map((q) => `${q.name}=${p.pick(QUERY_VALUES[q.name] ?? PATH_VALUES)}`).join("&")
        parts.query = () => query
        label.push(`?${abbreviate(query)}`)
      }
      const headerNames = op.headerParams.map((h) => h.name).filter((n) => HEADER_VALUES[n.toLowerCase()])
      const picked = headerNames.filter(() => p.chance(0.3)).map((n) => [n, p.int(0, 1000)] as const)
      if (picked.length) {
        parts.headers = (fx) =>
          picked.map(([n, r]): [string, string] => {
            const values = HEADER_VALUES[n.toLowerCase()]!(fx)
            return [n, values[r % values.length]!]
          })
        label.push(picked.map(([n]) => n).join(","))
      }
      if (op.method !== "GET" && op.method !== "HEAD" && p.chance(0.5)) {
        // The big bodies have their case each already; mixed in here they would only slow the run.
        const [bodyLabel, body] = p.pick(this.#bodies.filter(([l]) => !/MB|200k|100k|50k/.test(l)))
        parts.body = () => body
        label.push(`body ${bodyLabel}`)
      }
      this.#push(op, `random ${label.join(" ")}`, parts)
    }
  }
}

const isObject = (value: unknown) => value !== null && typeof value === "object" && !Array.isArray(value)
const get = (value: unknown, path: (string | number)[]) => path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], value)

export function abbreviate(value: string, max = 60): string {
  const shown = JSON.stringify(value.length > max ? value.slice(0, max) : value).slice(1, -1)
  return value.length > max ? `${shown}…(${value.length} chars)` : shown
}

const wakeOf = (op: Operation, fx: Fixtures) => (op.path.endsWith("/callback") ? fx.hook : fx.pull)

/** The acknowledgement routes answer to the wake's token; everything else to the daemon's. */
function defaultToken(op: Operation, fx: Fixtures): string {
  if (/\/(ack|release|callback)$/.test(op.path)) return wakeOf(op, fx).token ?? fx.token
  return fx.token
}

/** A path parameter that names something that exists (or, for a new subscription, does not yet). */
function validParam(op: Operation, param: string, fx: Fixtures, index: number): string {
  switch (param) {
    case "name": {
      // Only the Durable Streams routes take a name's slashes as they are; a single segment needs them encoded.
      if (!op.path.startsWith("/v1/stream/")) return encodeURIComponent(fx.streams.json)
      // Mostly streams that do not exist yet for a PUT, so that creation looks at its headers.
      if (op.method === "PUT" && index % 3 !== 0) return `fz-new/${index}`
      const s = fx.streams
      return [s.json, s.json, s.json, s.text, s.bin, s.closed, s.fork][index % 7]!
    }
    case "stream":
      return fx.streams.json
    case "agent":
      return "fz-no-such-agent"
    case "id":
      if (op.method === "PUT") return `fz-sub-${index}`
      return op.path.endsWith("/claim") ? fx.unclaimed : wakeOf(op, fx).id
    default:
      return "x"
  }
}

/** Field values the schemas cannot give: a real directory, streams and wakes that exist. */
function schemaHints(op: Operation, fx: Fixtures): Hints {
  const wake = wakeOf(op, fx)
  return {
    directory: () => fx.dir,
    name: () => "fz-agent",
    harness: () => "opencode",
    model: () => "provider/model",
    text: () => "hello",
    type: (s) => (s.enum ? (s.enum.includes("pull-wake") ? "pull-wake" : s.enum[0]) : "note:added"),
    pattern: () => "fz-pattern/**",
    streams: () => [fx.streams.json],
    webhook: () => ({ url: fx.hookUrl }),
    wake_stream: () => fx.streams.wake,
    lease_ttl_ms: () => 600_000,
    description: () => "fuzz",
    worker: () => "fuzz-worker",
    wake_id: () => wake.wakeId ?? "w_none",
    generation: () => wake.generation ?? 0,
    // Each subscription's stream got one message after it subscribed (see fixtures.ts).
    acks: () => [op.path.endsWith("/callback") ? { stream: fx.streams.text, offset: "0000000000000002" } : { stream: fx.streams.json, offset: "0000000000000003" }],
    done: () => false,
    payload: () => ({ note: "fuzz" }),
    metadata: () => ({ source: "fuzz" }),
  }
}

/** The body a well-behaved client would send. */
function validBody(doc: OpenApiDocument, op: Operation, fx: Fixtures): Body | undefined {
  if (!op.body) return undefined
  if (op.body.schema && op.body.contentTypes.length === 1)
    return { contentType: "application/json", body: encodeJson(sample(doc, op.body.schema, schemaHints(op, fx))) }
  // The stream protocol's bytes: a JSON message for the JSON stream the path names by default.
  return { contentType: "application/json", body: JSON.stringify({ fuzz: true }) }
}

