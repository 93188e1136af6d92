// Server-sent events, reduced to what opencode's `/event` uses: frames separated by a blank line,
// each with one or more `data:` lines. Other fields (event, id, retry, comments) are ignored.

/** Yields the data of each frame in `body` as it arrives; ends when the body ends. */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  let buffer = ""
  for await (const bytes of body) {
    // A CR at the very end may be the first half of a CRLF split across chunks: keep it for now.
    buffer = (buffer + decoder.decode(bytes, { stream: true })).replace(/\r\n|\r(?!$)/g, "\n")
    let end: number
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const data = frame
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5))
      if (data.length > 0) yield data.join("\n")
    }
  }
}
