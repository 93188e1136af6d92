// A turn's ledger entries from its harness's native events, folded with the harness's own reducer:
// recorded turns of each harness (test/fixtures/<harness>), and what the entries make of models.
import { describe, expect, test } from "vitest"
import { TurnUsage } from "../../../src/agents/usage/turn.ts"
import { recordedNatives } from "../../support/fixture-streams.ts"

function entries(harness: string, natives: unknown[], model?: string) {
  const usage = new TurnUsage(harness)
  for (const native of natives) usage.push(native)
  return usage.entries("0000000000000007", model)
}

const tokens = (input: number, output: number) => ({ inputTokens: input, outputTokens: output, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 })

describe("recorded turns", () => {
  test("claude: the result's figures for the turn, per model summed, with claude's cost; an interrupted turn counts what was streamed", () => {
    expect(entries("claude", recordedNatives("claude", "text"))).toEqual([{ prompt: "0000000000000007", model: "claude-opus-5-5", ...tokens(10, 5), costUsd: 0.00014000000000000001 }])
    // Two model calls (the tool call and the reply after it): one result for the turn.
    expect(entries("claude", recordedNatives("claude", "bash"))).toEqual([{ prompt: "0000000000000007", model: "claude-opus-5-5", ...tokens(20, 10), costUsd: 0.00028000000000000003 }])
    expect(entries("claude", recordedNatives("claude", "abort"))).toEqual([{ prompt: "0000000000000007", model: "claude-opus-5-5", ...tokens(10, 8), costUsd: 0.00019999999999999998 }])
  })

  test("opencode: each assistant message's tokens and cost, the last update of each counting once", () => {
    expect(entries("opencode", recordedNatives("opencode", "text"))).toEqual([{ prompt: "0000000000000007", model: "stub/stub-model", ...tokens(10, 5), costUsd: 0 }])
    expect(entries("opencode", recordedNatives("opencode", "tool"))).toEqual([{ prompt: "0000000000000007", model: "stub/stub-model", ...tokens(20, 10), costUsd: 0 }])
  })

  test("pi: each assistant message's usage and cost", () => {
    const [text] = entries("pi", recordedNatives("pi", "text"))
    expect(text).toEqual({ prompt: "0000000000000007", model: "stub/stub-model", ...tokens(10, 5), costUsd: expect.closeTo(0.00002, 12) })
    const [bash] = entries("pi", recordedNatives("pi", "bash"))
    expect(bash).toMatchObject({ ...tokens(20, 10), costUsd: expect.closeTo(0.00004, 12) })
  })

  test.each([
    ["claude", "api-error"],
    ["opencode", "api-error"],
    ["opencode", "abort"],
    ["pi", "api-error"],
    ["pi", "abort"],
  ])("%s %s: nothing spent, no entry", (harness, fixture) => {
    expect(entries(harness, recordedNatives(harness, fixture))).toEqual([])
  })
})

describe("models", () => {
  const message = (id: string, model: string | undefined, input: number, cost: number) => ({
    type: "message.updated",
    properties: { info: { id, role: "assistant", ...(model && { providerID: "p", modelID: model }), cost, tokens: { input, output: 1, reasoning: 2, cache: { read: 3, write: 4 } } } },
  })

  test("a turn on two models is an entry for each; a message that names none counts for the model given, else none", () => {
    const natives = [message("m1", "big", 100, 0.5), message("m2", "small", 10, 0.01), message("m3", "big", 50, 0.25), message("m4", undefined, 1, 0.001)]
    expect(entries("opencode", natives, "agent/model")).toEqual([
      { prompt: "0000000000000007", model: "p/big", inputTokens: 150, outputTokens: 2, cacheReadTokens: 6, cacheWriteTokens: 8, reasoningTokens: 4, costUsd: 0.75 },
      { prompt: "0000000000000007", model: "p/small", inputTokens: 10, outputTokens: 1, cacheReadTokens: 3, cacheWriteTokens: 4, reasoningTokens: 2, costUsd: 0.01 },
      { prompt: "0000000000000007", model: "agent/model", inputTokens: 1, outputTokens: 1, cacheReadTokens: 3, cacheWriteTokens: 4, reasoningTokens: 2, costUsd: 0.001 },
    ])
    expect(entries("opencode", [message("m4", undefined, 1, 0)])).toEqual([{ prompt: "0000000000000007", inputTokens: 1, outputTokens: 1, cacheReadTokens: 3, cacheWriteTokens: 4, reasoningTokens: 2, costUsd: 0 }])
  })

  test("a harness without a reducer reports nothing", () => {
    expect(entries("unknown-harness", recordedNatives("opencode", "text"))).toEqual([])
  })
})
