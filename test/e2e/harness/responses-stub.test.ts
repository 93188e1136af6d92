// The Responses stub speaks enough of the OpenAI Responses API for Codex; these pin the wire format
// the codex tests rely on.
import { describe, expect, test } from "vitest"
import { addFilePatch, applyPatch, exec, failure, startResponsesStub, text, updateFilePatch, updatePlan } from "../../support/responses-stub.ts"
import { waitFor } from "../../support/wait.ts"

function responses(url: string, body: object = {}) {
  return fetch(`${url}/responses`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-5.5", stream: true, input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }], ...body }),
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

describe("Responses stub", () => {
  test("streams scripted text in chunks, a reasoning summary first, framed as the Responses API does", async () => {
    const stub = startResponsesStub()
    stub.reply(text("Hello world", { chunkSize: 4, reasoning: "hm" }))
    const response = await responses(stub.url)
    expect(response.headers.get("content-type")).toBe("text/event-stream")
    const sse = await events(response)
    expect(sse.map(([name]) => name)).toEqual([
      "response.created",
      "response.output_item.added",
      "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.output_item.done",
      "response.completed",
    ])
    expect(sse.every(([name, data]) => data.type === name)).toBe(true)
    expect(sse.map(([, data]) => data.sequence_number)).toEqual(sse.map((_, i) => i))
    expect(sse.filter(([name]) => name === "response.output_text.delta").map(([, d]) => d.delta)).toEqual(["Hell", "o wo", "rld"])
    expect(sse.filter(([name]) => name === "response.output_item.done").map(([, d]) => d.item)).toEqual([
      { type: "reasoning", id: expect.any(String), summary: [{ type: "summary_text", text: "hm" }] },
      { type: "message", id: expect.any(String), status: "completed", role: "assistant", content: [{ type: "output_text", text: "Hello world", annotations: [] }] },
    ])
    expect(sse.at(-1)![1].response).toMatchObject({
      status: "completed",
      usage: { input_tokens: 10, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 15 },
    })
    expect(stub.turns.map((t) => t.body.model)).toEqual(["gpt-5.5"])
  })

  test("calls Codex's tools: exec_command and update_plan as function calls, apply_patch as a custom tool call with the patch as its input", async () => {
    const stub = startResponsesStub()
    stub.reply(exec("npm test", { say: "Testing." }), applyPatch(addFilePatch("a.txt", "one\ntwo\n")), updatePlan([{ step: "Test", status: "in_progress" }]))
    const done = async () => (await events(await responses(stub.url))).filter(([name]) => name === "response.output_item.done").map(([, d]) => d.item)
    const [say, call] = await done()
    expect(say).toMatchObject({ type: "message", content: [{ text: "Testing." }] })
    expect(call).toMatchObject({ type: "function_call", name: "exec_command", call_id: expect.stringMatching(/^call_stub_\d+$/) })
    expect(JSON.parse(call.arguments)).toEqual({ cmd: "npm test" })
    expect(await done()).toEqual([expect.objectContaining({ type: "custom_tool_call", name: "apply_patch", input: "*** Begin Patch\n*** Add File: a.txt\n+one\n+two\n*** End Patch" })])
    const [plan] = await done()
    expect(JSON.parse(plan.arguments)).toEqual({ plan: [{ step: "Test", status: "in_progress" }] })
    expect(updateFilePatch("a.txt", "one", "1")).toBe("*** Begin Patch\n*** Update File: a.txt\n@@\n-one\n+1\n*** End Patch")
  })

  test("records what the model was sent, and a client that goes away cancels its request", async () => {
    const stub = startResponsesStub()
    stub.reply(text("x".repeat(200), { chunkSize: 2, delayMs: 20 }))
    const response = await responses(stub.url, { instructions: "be brief" })
    const reader = response.body!.getReader()
    await reader.read()
    await reader.cancel()
    await waitFor("the request to be cancelled", () => stub.turns[0]!.cancelled)
    expect(stub.turns[0]!.body).toMatchObject({ instructions: "be brief", input: [{ role: "user", content: [{ text: "hi" }] }] })
  })

  test("a failure is an API error body; with nothing scripted left, the request fails saying so", async () => {
    const stub = startResponsesStub()
    stub.reply(failure("No such model", 404))
    const refused = await responses(stub.url)
    expect(refused.status).toBe(404)
    expect(await refused.json()).toEqual({ error: { type: "invalid_request_error", code: null, message: "No such model" } })
    const empty = await responses(stub.url)
    expect(empty.status).toBe(400)
    expect((await empty.json()).error.message).toMatch(/no scripted reply left/)
  })
})
