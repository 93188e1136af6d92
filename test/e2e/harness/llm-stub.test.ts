// The LLM stub speaks enough of OpenAI's chat completions for @ai-sdk/openai-compatible; these
// pin the wire format the opencode tests rely on.
import { describe, expect, test } from "vitest"
import { failure, STUB_TITLE, startLlmStub, text, toolCall } from "../../support/llm-stub.ts"
import { waitFor } from "../../support/wait.ts"

function chat(url: string, body: object) {
  return fetch(`${url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "stub-model", messages: [{ role: "user", content: "hi" }], ...body }),
  })
}

/** The JSON chunks of a streamed reply, without the closing [DONE]. */
async function chunks(response: Response): Promise<any[]> {
  const frames = (await response.text()).split("\n\n").filter(Boolean)
  expect(frames.at(-1)).toBe("data: [DONE]")
  return frames.slice(0, -1).map((frame) => JSON.parse(frame.slice("data: ".length)))
}

describe("LLM stub", () => {
  test("lists its model", async () => {
    const stub = startLlmStub()
    expect(await (await fetch(`${stub.url}/models`)).json()).toMatchObject({ data: [{ id: "stub-model" }] })
  })

  test("streams scripted text in chunks, reasoning first, and records the request", async () => {
    const stub = startLlmStub()
    stub.reply(text("Hello world", { chunkSize: 4, reasoning: "hm" }))
    const response = await chat(stub.url, { stream: true })
    expect(response.headers.get("content-type")).toBe("text/event-stream")
    const deltas = (await chunks(response)).flatMap((c) => c.choices.map((choice: any) => choice.delta))
    expect(deltas.map((d) => d.reasoning_content).filter(Boolean)).toEqual(["hm"])
    expect(deltas.map((d) => d.content).filter(Boolean)).toEqual(["Hell", "o wo", "rld"])
    expect(stub.turns.map((t) => t.body.stream)).toEqual([true])
  })

  test("answers tool calls, streamed and not, finishing with tool_calls", async () => {
    const stub = startLlmStub()
    stub.reply(toolCall("write", { filePath: "a.txt", content: "x" }), toolCall("read", { filePath: "a.txt" }))
    const streamed = await chunks(await chat(stub.url, { stream: true }))
    const call = streamed.flatMap((c) => c.choices).find((choice) => choice.delta.tool_calls).delta.tool_calls[0]
    expect(call).toMatchObject({ index: 0, type: "function", function: { name: "write" } })
    expect(JSON.parse(call.function.arguments)).toEqual({ filePath: "a.txt", content: "x" })
    expect(streamed.flatMap((c) => c.choices).at(-1).finish_reason).toBe("tool_calls")

    const whole = await (await chat(stub.url, { stream: false })).json()
    expect(whole.choices[0]).toMatchObject({ finish_reason: "tool_calls", message: { tool_calls: [{ function: { name: "read" } }] } })
  })

  test("title requests get a fixed title and leave the script alone", async () => {
    const stub = startLlmStub()
    stub.reply(text("the answer"))
    const title = await chat(stub.url, { messages: [{ role: "system", content: "You are a title generator." }] })
    expect((await title.json()).choices[0].message.content).toBe(STUB_TITLE)
    expect((await (await chat(stub.url, {})).json()).choices[0].message.content).toBe("the answer")
    expect(stub.requests).toHaveLength(2)
    expect(stub.turns).toHaveLength(1)
  })

  test("a scripted failure is an API error; an unscripted request is one too", async () => {
    const stub = startLlmStub()
    stub.reply(failure("quota exceeded", 429))
    const scripted = await chat(stub.url, {})
    expect(scripted.status).toBe(429)
    expect(await scripted.json()).toMatchObject({ error: { message: "quota exceeded" } })
    const unscripted = await chat(stub.url, {})
    expect(unscripted.status).toBe(400)
    expect(await unscripted.json()).toMatchObject({ error: { message: expect.stringContaining("no scripted reply") } })
  })

  test("a client that goes away mid-reply is recorded as cancelled", async () => {
    const stub = startLlmStub()
    stub.reply(text("slow ".repeat(100), { chunkSize: 5, delayMs: 20 }))
    const reader = (await chat(stub.url, { stream: true })).body!.getReader()
    await reader.read()
    await reader.cancel()
    await waitFor("the stub to see the cancel", () => stub.turns[0]!.cancelled)
  })
})
