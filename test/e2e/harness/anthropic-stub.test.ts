// The Anthropic stub speaks enough of the Messages API for Claude Code; these pin the wire format
// the claude tests rely on.
import { describe, expect, test } from "vitest"
import { failure, STUB_SIDE_TEXT, startAnthropicStub, text, toolUse } from "../../support/anthropic-stub.ts"
import { waitFor } from "../../support/wait.ts"

const TOOLS = [{ name: "Write", description: "writes", input_schema: { type: "object" } }]

function messages(url: string, body: object) {
  return fetch(`${url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "claude-stub-1", max_tokens: 100, tools: TOOLS, messages: [{ role: "user", content: "hi" }], ...body }),
  })
}

/** The SSE events of a streamed reply, as [event name, data]. */
async function events(response: Response): Promise<Array<[string, any]>> {
  const frames = (await response.text()).split("\n\n").filter(Boolean)
  return frames.map((frame) => {
    const [event, data] = frame.split("\n")
    return [event!.slice("event: ".length), JSON.parse(data!.slice("data: ".length))]
  })
}

describe("Anthropic stub", () => {
  test("streams scripted text in chunks, thinking first, framed as the Messages API does", async () => {
    const stub = startAnthropicStub()
    stub.reply(text("Hello world", { chunkSize: 4, thinking: "hm" }))
    const response = await messages(stub.url, { stream: true })
    expect(response.headers.get("content-type")).toBe("text/event-stream")
    const sse = await events(response)
    expect(sse.map(([name]) => name)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ])
    expect(sse.every(([name, data]) => data.type === name)).toBe(true)
    const deltas = sse.filter(([name]) => name === "content_block_delta").map(([, d]) => d.delta)
    expect(deltas.map((d) => d.thinking ?? d.text ?? d.signature)).toEqual(["hm", "stub-signature", "Hell", "o wo", "rld"])
    expect(sse.at(-2)![1]).toMatchObject({ delta: { stop_reason: "end_turn" }, usage: { output_tokens: 5 } })
    expect(stub.turns.map((t) => t.body.stream)).toEqual([true])
  })

  test("answers tool use, streamed and whole, stopping for tool_use", async () => {
    const stub = startAnthropicStub()
    stub.reply(toolUse("Write", { file_path: "a.txt", content: "x" }), toolUse("Read", { file_path: "a.txt" }))
    const sse = await events(await messages(stub.url, { stream: true }))
    const start = sse.find(([name, d]) => name === "content_block_start" && d.content_block.type === "tool_use")![1]
    expect(start.content_block).toMatchObject({ type: "tool_use", name: "Write", id: expect.stringMatching(/^toolu_/) })
    const json = sse.find(([, d]) => d.delta?.type === "input_json_delta")![1].delta.partial_json
    expect(JSON.parse(json)).toEqual({ file_path: "a.txt", content: "x" })
    expect(sse.at(-2)![1].delta.stop_reason).toBe("tool_use")

    const whole = await (await messages(stub.url, { stream: false })).json()
    expect(whole).toMatchObject({ type: "message", stop_reason: "tool_use", content: [{ type: "tool_use", name: "Read", input: { file_path: "a.txt" } }] })
  })

  test("a failure is an API error body, marked not to be retried unless asked", async () => {
    const stub = startAnthropicStub()
    stub.reply(failure("Overloaded", 529), failure("busy", 529, { retry: true }))
    const first = await messages(stub.url, { stream: true })
    expect(first.status).toBe(529)
    expect(first.headers.get("x-should-retry")).toBe("false")
    expect(await first.json()).toEqual({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } })
    expect((await messages(stub.url, {})).headers.get("x-should-retry")).toBeNull()
    const empty = await messages(stub.url, {})
    expect((await empty.json()).error.message).toMatch(/no scripted reply left/)
  })

  test("token counts and side questions (no tools) leave the script alone", async () => {
    const stub = startAnthropicStub()
    stub.reply(text("the answer"))
    const count = await fetch(`${stub.url}/v1/messages/count_tokens`, { method: "POST", body: JSON.stringify({ model: "m", messages: [] }) })
    expect(await count.json()).toEqual({ input_tokens: 42 })
    const side = await (await messages(stub.url, { tools: [] })).json()
    expect(side.content).toEqual([{ type: "text", text: STUB_SIDE_TEXT }])
    expect((await (await messages(stub.url, {})).json()).content).toEqual([{ type: "text", text: "the answer" }])
    expect(stub.requests).toHaveLength(3)
    expect(stub.turns).toHaveLength(1)
  })

  test("a client that goes away mid-reply is recorded as cancelled", async () => {
    const stub = startAnthropicStub()
    stub.reply(text("x".repeat(100), { chunkSize: 1, delayMs: 20 }))
    const reader = (await messages(stub.url, { stream: true })).body!.getReader()
    await reader.read()
    await reader.cancel()
    await waitFor("the stub to notice", () => stub.turns[0]!.cancelled)
  })
})
