import { describe, expect, test } from "vitest"
import { sseData } from "../../../src/harness/opencode/sse.ts"

/** A body delivered in exactly these pieces, the way a network may cut it. */
function body(...pieces: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream({
    start(controller) {
      for (const piece of pieces) controller.enqueue(encoder.encode(piece))
      controller.close()
    },
  })
}

async function frames(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = []
  for await (const data of sseData(stream)) out.push(data)
  return out
}

describe("sseData", () => {
  test("yields each frame's data, however the bytes are split", async () => {
    expect(await frames(body('data: {"a":', '1}\n', '\ndata: {"b":2}\n\n'))).toEqual(['{"a":1}', '{"b":2}'])
  })

  test("joins multi-line data, skips comments and frames without data, accepts CRLF split across chunks", async () => {
    expect(await frames(body(": keep-alive\n\nevent: x\r", "\ndata: one\r\ndata:two\r\n\r\n"))).toEqual(["one\ntwo"])
  })

  test("a multi-byte character split across chunks survives", async () => {
    const bytes = new TextEncoder().encode("data: héllo\n\n")
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 8))
        controller.enqueue(bytes.slice(8))
        controller.close()
      },
    })
    expect(await frames(stream)).toEqual(["héllo"])
  })
})
