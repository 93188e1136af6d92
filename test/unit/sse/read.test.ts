import { describe, expect, test } from "vitest"
import { readSse, type SseEvent } from "../../../src/sse/read.ts"

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

async function events(stream: ReadableStream<Uint8Array>): Promise<SseEvent[]> {
  const out: SseEvent[] = []
  for await (const event of readSse(stream)) out.push(event)
  return out
}

async function frames(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  return (await events(stream)).map((e) => e.data)
}

describe("readSse", () => {
  test("yields each frame's data, however the bytes are split", async () => {
    expect(await frames(body('data: {"a":', '1}\n', '\ndata: {"b":2}\n\n'))).toEqual(['{"a":1}', '{"b":2}'])
  })

  test("joins multi-line data, skips comments and frames without data, accepts CRLF split across chunks", async () => {
    expect(await events(body(": keep-alive\n\nevent: x\r", "\ndata: one\r\ndata:two\r\n\r\n"))).toEqual([{ event: "x", data: "one\ntwo" }])
  })

  test("names each frame by its event field, message by default, as Durable Streams' data/control pairs need", async () => {
    const stream = body('event: data\ndata: [{"a":1}]\n\nevent: control\ndata: {"streamNextOffset":"1"}\n\n', "data: plain\n\n")
    expect(await events(stream)).toEqual([
      { event: "data", data: '[{"a":1}]' },
      { event: "control", data: '{"streamNextOffset":"1"}' },
      { event: "message", data: "plain" },
    ])
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
