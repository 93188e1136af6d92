import { connect } from "node:net"

// Requests fetch refuses to send (a bad request line, duplicate Host, a lying Content-Length,
// broken chunked encoding), written byte for byte to a TCP socket.

export interface RawResponse {
  status: number
  contentType?: string
  body: string
}

export interface RawExchange {
  /** the complete responses the server sent, interim (1xx) ones included */
  responses: RawResponse[]
  /** the whole reply as latin1, for the failure report */
  text: string
}

/**
 * Sends `bytes` and collects responses until `expected` final ones have arrived or the server
 * closes the connection. A server still waiting for the rest of a request (a Content-Length longer
 * than the body) answers nothing; after `quietMs` of silence that counts as no answer.
 */
export function sendRaw(port: number, bytes: string, expected = 1, quietMs = 1_000): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port })
    const chunks: Buffer[] = []
    let timer: Timer | undefined
    const text = () => Buffer.concat(chunks).toString("latin1")
    const finish = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ responses: parseResponses(text()), text: text() })
    }
    const quiet = () => {
      clearTimeout(timer)
      timer = setTimeout(finish, quietMs)
    }
    socket.on("connect", () => {
      socket.write(Buffer.from(bytes, "latin1"))
      quiet()
    })
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk)
      if (parseResponses(text()).filter((r) => r.status >= 200).length >= expected) finish()
      else quiet()
    })
    socket.on("close", finish)
    // A reset after the server answered is how some servers end a bad connection.
    socket.on("error", (error) => (chunks.length ? finish() : reject(error)))
  })
}

/** The complete responses at the start of `text` (Content-Length or chunked framing). */
export function parseResponses(text: string): RawResponse[] {
  const out: RawResponse[] = []
  let rest = text
  for (;;) {
    const head = rest.match(/^HTTP\/\d\.\d (\d{3})[^\r\n]*\r\n((?:[^\r\n]+\r\n)*)\r\n/)
    if (!head) return out
    const status = Number(head[1])
    const headers = new Map(
      head[2]!
        .split("\r\n")
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf(":")).trim().toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
    )
    rest = rest.slice(head[0].length)
    let body = ""
    const length = headers.get("content-length")
    if (headers.get("transfer-encoding")?.includes("chunked")) {
      for (;;) {
        const size = rest.match(/^([0-9a-fA-F]+)[^\r\n]*\r\n/)
        if (!size) return out
        const n = parseInt(size[1]!, 16)
        if (rest.length < size[0].length + n + 2) return out
        body += rest.slice(size[0].length, size[0].length + n)
        rest = rest.slice(size[0].length + n + 2)
        if (n === 0) break
      }
    } else if (length !== undefined) {
      if (rest.length < Number(length)) return out
      body = rest.slice(0, Number(length))
      rest = rest.slice(Number(length))
    }
    out.push({ status, contentType: headers.get("content-type"), body })
  }
}
