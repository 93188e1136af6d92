import { abbreviate, type Fixtures } from "./cases.ts"
import { sendRaw } from "./raw.ts"

// Requests at the level of HTTP/1.1 framing, which fetch cannot send: broken request lines,
// duplicate or missing Host, lying lengths, broken chunked encoding, smuggling attempts.

interface RawCase {
  label: string
  /** sent without valid credentials, so no answer (after the first, for "after the first") may be a success or carry data */
  refused?: true | "after the first"
  /**
   * A request line Bun's HTTP parser rejects before the daemon sees it. Bun answers those with a
   * bodiless 505 whatever is wrong with them (oven-sh/bun#19326), which the daemon cannot change.
   */
  parser?: true
  /** how many requests the bytes hold (a pipelined or smuggled one counts) */
  requests?: number
  request: (fx: Fixtures) => string
}

const host = (fx: Fixtures) => `Host: 127.0.0.1:${fx.port}\r\n`
const auth = (fx: Fixtures) => `Authorization: Bearer ${fx.token}\r\n`
const h = (fx: Fixtures) => host(fx) + auth(fx)
const append = (fx: Fixtures) => `POST /v1/stream/${fx.streams.json} HTTP/1.1\r\n${h(fx)}Content-Type: application/json\r\n`

export const RAW_CASES: RawCase[] = [
  { label: "garbage request line", refused: true, request: () => "GARBAGE\r\n\r\n" },
  { label: "HTTP/9.9", parser: true, request: (fx) => `GET /v1/streams HTTP/9.9\r\n${h(fx)}\r\n` },
  { label: "HTTP/0.9 request line", refused: true, parser: true, request: () => "GET /v1/streams\r\n\r\n" },
  { label: "double spaces in the request line", request: (fx) => `GET  /v1/streams  HTTP/1.1\r\n${h(fx)}\r\n` },
  { label: "lowercase method", request: (fx) => `get /v1/streams HTTP/1.1\r\n${h(fx)}\r\n` },
  { label: "unknown method", request: (fx) => `FOO /v1/streams HTTP/1.1\r\n${h(fx)}\r\n` },
  { label: "duplicate Host", refused: true, request: (fx) => `GET /v1/streams HTTP/1.1\r\n${host(fx)}Host: evil.example\r\n${auth(fx)}\r\n` },
  { label: "no Host on HTTP/1.1", refused: true, request: (fx) => `GET /v1/streams HTTP/1.1\r\n${auth(fx)}\r\n` },
  { label: "no Host on HTTP/1.0", refused: true, request: (fx) => `GET /v1/streams HTTP/1.0\r\n${auth(fx)}\r\n` },
  { label: "absolute-form target", request: (fx) => `GET http://evil.example/v1/streams HTTP/1.1\r\n${h(fx)}\r\n` },
  { label: "asterisk target", request: (fx) => `OPTIONS * HTTP/1.1\r\n${h(fx)}\r\n` },
  { label: "dot segments on the wire", request: (fx) => `GET /v1/stream/../../v1/streams HTTP/1.1\r\n${h(fx)}\r\n` },
  { label: "encoded dot segments on the wire", request: (fx) => `GET /v1/stream/%2e%2e/%2e%2e/v1/streams HTTP/1.1\r\n${h(fx)}\r\n` },
  { label: "raw high bytes and controls in the path", parser: true, request: (fx) => `GET /v1/stream/\xff\xfe\x01a HTTP/1.1\r\n${h(fx)}\r\n` },
  { label: "100 KB request target", request: (fx) => `GET /v1/stream/${"a".repeat(100_000)} HTTP/1.1\r\n${h(fx)}\r\n` },
  { label: "100 KB header", request: (fx) => `GET /v1/streams HTTP/1.1\r\n${h(fx)}X-Big: ${"a".repeat(100_000)}\r\n\r\n` },
  { label: "2000 headers", request: (fx) => `GET /v1/streams HTTP/1.1\r\n${h(fx)}${"X-A: b\r\n".repeat(2_000)}\r\n` },
  { label: "header without a colon", request: (fx) => `GET /v1/streams HTTP/1.1\r\n${h(fx)}Garbage\r\n\r\n` },
  { label: "NUL in a header value", request: (fx) => `GET /v1/streams HTTP/1.1\r\n${h(fx)}X-A: a\0b\r\n\r\n` },
  { label: "obsolete line folding", request: (fx) => `GET /v1/streams HTTP/1.1\r\n${h(fx)}X-A: a\r\n b\r\n\r\n` },
  { label: "high bytes in Authorization", refused: true, request: (fx) => `GET /v1/streams HTTP/1.1\r\n${host(fx)}Authorization: Bearer \xff\xfe\r\n\r\n` },
  {
    label: "a wrong and a right Authorization",
    refused: true,
    request: (fx) => `GET /v1/streams HTTP/1.1\r\n${host(fx)}Authorization: Bearer x\r\n${auth(fx)}\r\n`,
  },
  { label: "chunked garbage", request: (fx) => `${append(fx)}Transfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n` },
  { label: "chunk size overflow", request: (fx) => `${append(fx)}Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n` },
  { label: "truncated chunked body", request: (fx) => `${append(fx)}Transfer-Encoding: chunked\r\n\r\n5\r\nab` },
  { label: "chunked with a trailer of garbage", request: (fx) => `${append(fx)}Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-\0: \xff\r\n\r\n` },
  { label: "unknown Transfer-Encoding", request: (fx) => `${append(fx)}Transfer-Encoding: gzip, bogus\r\n\r\n{}` },
  { label: "Content-Length and Transfer-Encoding", request: (fx) => `${append(fx)}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n` },
  { label: "negative Content-Length", request: (fx) => `${append(fx)}Content-Length: -1\r\n\r\n{}` },
  { label: "non-numeric Content-Length", request: (fx) => `${append(fx)}Content-Length: abc\r\n\r\n{}` },
  { label: "huge Content-Length", request: (fx) => `${append(fx)}Content-Length: 99999999999999999999\r\n\r\n{}` },
  { label: "two different Content-Lengths", request: (fx) => `${append(fx)}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x` },
  { label: "Content-Length longer than the body", request: (fx) => `${append(fx)}Content-Length: 100\r\n\r\n{"short":1}` },
  { label: "Content-Length shorter than the body", refused: "after the first", requests: 2, request: (fx) => `${append(fx)}Content-Length: 2\r\n\r\n{}GET /v1/streams HTTP/1.1\r\n${host(fx)}\r\n` },
  {
    label: "an unauthenticated request smuggled after /health",
    refused: "after the first",
    requests: 2,
    request: (fx) => `GET /health HTTP/1.1\r\n${host(fx)}Content-Length: 0\r\n\r\nGET /v1/streams HTTP/1.1\r\n${host(fx)}\r\n`,
  },
  { label: "GET with a body", request: (fx) => `GET /v1/streams HTTP/1.1\r\n${h(fx)}Content-Length: 2\r\n\r\n{}` },
  { label: "Expect: 100-continue", request: (fx) => `${append(fx)}Expect: 100-continue\r\nContent-Length: 2\r\n\r\n{}` },
  { label: "invalid UTF-8 events", request: (fx) => `POST /v1/streams/${fx.streams.json}/events HTTP/1.1\r\n${h(fx)}Content-Type: application/json\r\nContent-Length: 5\r\n\r\n[\xff\xfe]\xc0` },
]

/** What is wrong with the raw exchange, if anything. */
export async function runRawCase(c: RawCase, fx: Fixtures): Promise<string | undefined> {
  const request = c.request(fx)
  const { responses, text } = await sendRaw(fx.port, request, c.requests)
  const final = responses.filter((r) => r.status >= 200)
  const describe = () => `raw (${c.label}): ${abbreviate(request.replaceAll(fx.token, "<token>"), 160)}\n    → ${abbreviate(text, 300)}`
  if (final.some((r) => r.status >= 500 && !(c.parser && r.status === 505 && r.body === ""))) return `${describe()}\n    a 5xx status`
  const judged = c.refused === "after the first" ? final.slice(1) : c.refused ? final : []
  if (judged.some((r) => r.status < 400)) return `${describe()}\n    a request without valid credentials got through`
  if (c.refused && text.includes(fx.marker)) return `${describe()}\n    a refused request saw stream data`
  for (const { status, contentType, body } of final)
    if (status >= 400 && body !== "" && !isErrorJson(body)) return `${describe()}\n    ${status} with a body that is not a JSON error (${contentType})`
  return undefined
}

function isErrorJson(body: string): boolean {
  try {
    const error = JSON.parse(body).error
    return typeof error?.code === "string" && typeof error?.message === "string"
  } catch {
    return false
  }
}
