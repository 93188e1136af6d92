// Server-sent events as the CLI and the web page (Durable Streams live reads) and the OpenCode
// harness (its /event) receive them: frames separated by a blank line, `event:` and `data:` fields; comments
// (keepalives), `id:` and `retry:` are ignored.

export interface SseEvent {
  /** the `event:` field, "message" when absent */
  event: string
  data: string
}

/** Yields each frame of `body` that carries data, as it arrives; ends when the body ends. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder()
  let buffer = ""
  // A reader rather than `for await`: Safari's streams are not async-iterable. Like `for await`,
  // a consumer that stops early cancels the body.
  const reader = body.getReader()
  try {
    for (;;) {
      const { done, value: bytes } = await reader.read()
      if (done) return
      // A CR at the very end may be the first half of a CRLF split across chunks: keep it for now.
      buffer = (buffer + decoder.decode(bytes, { stream: true })).replace(/\r\n|\r(?!$)/g, "\n")
      let end: number
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        let event = "message"
        const data: string[] = []
        for (const line of frame.split("\n")) {
          const colon = line.indexOf(":")
          if (colon === 0) continue
          const field = colon < 0 ? line : line.slice(0, colon)
          const value = colon < 0 ? "" : line.slice(colon + (line[colon + 1] === " " ? 2 : 1))
          if (field === "event") event = value
          else if (field === "data") data.push(value)
        }
        if (data.length > 0) yield { event, data: data.join("\n") }
      }
    }
  } finally {
    reader.cancel().catch(() => {})
  }
}
