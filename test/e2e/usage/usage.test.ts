// The token ledger and budgets end to end through the compiled binary, on each store: real opencode
// and real Claude Code against the scripted model servers, whose replies report token counts of the
// test's choosing. What a turn's harness reported is what `iterate usage` shows; a budget stops the
// next prompt (exit 1, 402 over HTTP) until it is raised.
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, test } from "vitest"
import type { Browser } from "playwright-core"
import { AGENT_EVENT } from "../../../src/protocol/agent-events.ts"
import { formatUsd } from "../../../src/protocol/usage.ts"
import { type AgentSandbox, payloadsOf, useAgentSandbox } from "../../support/agent-sandbox.ts"
import * as anthropic from "../../support/anthropic-stub.ts"
import * as openai from "../../support/llm-stub.ts"
import { launchChromium } from "../../support/browser.ts"
import { STORES, useStore } from "../../support/stores.ts"
import { waitFor } from "../../support/wait.ts"
import { logIn } from "../../support/web.ts"

const llm = openai.useLlmStub()
const claudeApi = anthropic.useAnthropicStub()

const usageJson = async (agents: AgentSandbox, args: string[] = []) => JSON.parse((await agents.iterate(["usage", ...args, "--json"])).stdout)
const agentJson = async (agents: AgentSandbox, name: string) => (JSON.parse((await agents.iterate(["agents", "--json"])).stdout) as Array<{ name: string }>).find((a) => a.name === name) as any

/** Dollars per million tokens: what opencode charges the stub model at once its config prices it. */
const PRICE = { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 }

/** opencode prices a model from its config; the stub model has no price until it is given one. */
function priceStubModel(project: string): void {
  const path = join(project, "opencode.json")
  const config = JSON.parse(readFileSync(path, "utf8"))
  config.provider.stub.models["stub-model"].cost = PRICE
  writeFileSync(path, JSON.stringify(config, null, 2))
}

let browser: Browser | undefined
afterAll(async () => {
  await browser?.close()
})

/** A prompt refused for the budget: exit 1 with the daemon's message, 402 over HTTP, nothing appended. */
async function expectRefused(agents: AgentSandbox, name: string, spent: number, budget: number): Promise<void> {
  const refused = await agents.iterate(["prompt", name, "once more"], { code: 1 })
  expect(refused.stderr).toBe(`iterate: agent ${name} has spent ${formatUsd(spent)} of its ${formatUsd(budget)} budget; raise it to prompt it again: iterate agents set ${name} --budget-usd N\n`)
  expect(refused.stdout).toBe("")
  const response = await agents.sandbox.api(`/v1/agents/${name}/prompt`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text: "once more" }) })
  expect(response.status).toBe(402)
  expect(await response.json()).toEqual({ error: { code: "budget_exceeded", message: refused.stderr.trim().replace(/^iterate: /, "") } })
  // (opencode may still add events of the turn before: what counts is that no prompt was appended.)
  expect(payloadsOf(await agents.events(name), AGENT_EVENT.prompt).filter((p) => p.text === "once more")).toEqual([])
}

describe.each(STORES)("the ledger and budgets, on %s", { timeout: 180_000 }, (store) => {
  describe("opencode", () => {
    const agents = useAgentSandbox(llm)
    useStore(store, () => agents.sandbox)

    test("a turn's tokens as the model reported them, and opencode's cost, are a ledger entry that iterate usage shows", async () => {
      priceStubModel(agents.project)
      llm.reply(openai.text("Counted.", { usage: { prompt_tokens: 1234, completion_tokens: 56, total_tokens: 1290, prompt_tokens_details: { cached_tokens: 200 } } }))
      await agents.iterate(["run", "--dir", agents.project, "count", "this"])

      const events = await agents.events("project")
      const [prompt] = payloadsOf(events, AGENT_EVENT.prompt)
      const recorded = payloadsOf(events, AGENT_EVENT.usage)
      // Input tokens leave out the cached ones, which opencode prices apart; the cost is opencode's.
      const cost = ((1234 - 200) * PRICE.input + 56 * PRICE.output + 200 * PRICE.cache_read) / 1e6
      const info = payloadsOf(events, "iterate:agent:harness:opencode:event-received")
        .filter((e) => e.type === "message.updated" && e.properties.info.role === "assistant")
        .at(-1).properties.info
      expect(info.cost).toBeCloseTo(cost, 12)
      const totals = { inputTokens: 1234 - 200, outputTokens: 56, cacheReadTokens: 200, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: info.cost }
      expect(prompt.text).toBe("count this")
      expect(recorded).toEqual([{ prompt: events.find((e) => e.type === AGENT_EVENT.prompt)!.offset, model: "stub/stub-model", ...totals }])

      const report = await usageJson(agents)
      const { id } = await agentJson(agents, "project")
      Object.assign(totals, { turns: 1 })
      expect(report).toEqual({ by: "agent", groups: [{ key: id, agent: id, name: "project", harness: "opencode", ...totals }], total: totals })
      expect((await usageJson(agents, ["project", "--by", "model", "--since", "1h"])).groups).toEqual([{ key: "stub/stub-model", model: "stub/stub-model", ...totals }])
      expect((await usageJson(agents, ["--since", "2999-01-01"])).groups).toEqual([])
      expect(await agentJson(agents, "project")).toMatchObject({ spentUsd: info.cost })

      const table = (await agents.iterate(["usage", "--by", "harness"])).stdout.split("\n")
      expect(table[0]).toMatch(/^HARNESS +TURNS +INPUT +OUTPUT +CACHE READ +CACHE WRITE +COST$/)
      expect(table[1]).toMatch(new RegExp(`^opencode +1 +1,034 +56 +200 +0 +\\${formatUsd(info.cost)}$`))
      expect(table[2]).toMatch(/^total +1 /)
      expect((await agents.iterate(["agents"])).stdout).toContain(formatUsd(info.cost))
    })

    test("bad input: an unknown agent exits 1, a since that is no date or span exits 2 (400 over HTTP)", async () => {
      expect((await agents.iterate(["usage", "nobody"], { code: 1 })).stderr).toBe("iterate: no agent named nobody (see: iterate agents)\n")
      expect((await agents.iterate(["usage", "--since", "last week"], { code: 2 })).stderr).toMatch(/--since must be a span like 30m/)
      const response = await agents.sandbox.api("/v1/usage?since=last%20week")
      expect(response.status).toBe(400)
      expect((await response.json()).error.code).toBe("invalid_request")
      expect((await agents.sandbox.api("/v1/usage?by=week")).status).toBe(400)
    })

    test("a budget: the turn that spends it runs to its end, the next prompt is refused until agents set raises it", async () => {
      const project = agents.newProject("capped")
      priceStubModel(project)
      await agents.iterate(["agents", "new", "--dir", project, "--name", "capped", "--budget-usd", "0.001"])
      llm.reply(openai.text("Spent it all.", { usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100 } }))
      expect((await agents.iterate(["prompt", "capped", "spend"])).stdout).toBe("Spent it all.\n")
      const { spentUsd } = await agentJson(agents, "capped")
      expect(spentUsd).toBeGreaterThan(0.001)
      await expectRefused(agents, "capped", spentUsd, 0.001)

      const set = await agents.iterate(["agents", "set", "capped", "--budget-usd", "1", "--json"])
      expect(JSON.parse(set.stdout)).toMatchObject({ name: "capped", budgetUsd: 1, spentUsd })
      llm.reply(openai.text("Back at it."))
      expect((await agents.iterate(["prompt", "capped", "go on"])).stdout).toBe("Back at it.\n")
      expect((await agents.iterate(["agents"])).stdout).toMatch(/capped .*\$\d\.\d+\/\$1\.00/)
    })

    test("the web page shows each agent's spend, and its budget, which the agent page changes", async () => {
      const { id, spentUsd } = await agentJson(agents, "capped")
      browser ??= await launchChromium()
      const context = await browser.newContext()
      const page = await logIn(context, agents.sandbox)
      const row = page.locator(`.agent-row[data-agent="${id}"] .spend`)
      await row.waitFor()
      expect(await row.textContent()).toBe(`${formatUsd(spentUsd)} of $1.00`)
      expect(await page.locator(".agent-row", { hasText: "project" }).locator(".spend").textContent()).toBe(formatUsd((await agentJson(agents, "project")).spentUsd))

      await row.click()
      const budget = page.locator(".budget")
      await budget.waitFor()
      expect(await budget.locator(".spend").textContent()).toBe(`${formatUsd(spentUsd)} of $1.00`)
      await budget.locator("input[name=budget]").fill("2.5")
      await budget.locator("button", { hasText: "Set" }).click()
      await waitFor("the new budget", async () => (await agentJson(agents, "capped")).budgetUsd === 2.5)
      await waitFor("the page showing it", async () => (await budget.locator(".spend").textContent()) === `${formatUsd(spentUsd)} of $2.50`)
      await context.close()
    })
  })

  describe("claude", () => {
    const agents = useAgentSandbox(claudeApi, "claude")
    useStore(store, () => agents.sandbox)

    test("a turn's tokens as the API reported them, with claude's cost, in iterate usage; a budget stops the next prompt, raising it lets one through", async () => {
      const usage = { input_tokens: 321, output_tokens: 45, cache_read_input_tokens: 600, cache_creation_input_tokens: 70 }
      claudeApi.reply(anthropic.text("Counted by claude.", { usage }))
      await agents.iterate(["run", "--harness", "claude", "--dir", agents.project, "--budget-usd", "0.0001", "count"])

      const events = await agents.events("project")
      const recorded = payloadsOf(events, AGENT_EVENT.usage)
      // claude prices the turn itself, per model.
      const result = payloadsOf(events, "iterate:agent:harness:claude:event-received").findLast((e) => e.type === "result")
      const [model, spent] = Object.entries(result.model_usage_since_last_result as Record<string, { costUSD: number }>)[0]!
      expect(spent.costUSD).toBeGreaterThan(0)
      expect(recorded).toEqual([
        { prompt: events.find((e) => e.type === AGENT_EVENT.prompt)!.offset, model, inputTokens: 321, outputTokens: 45, cacheReadTokens: 600, cacheWriteTokens: 70, reasoningTokens: 0, costUsd: spent.costUSD },
      ])
      const report = await usageJson(agents, ["--by", "harness"])
      expect(report.groups).toEqual([expect.objectContaining({ key: "claude", turns: 1, inputTokens: 321, outputTokens: 45, cacheReadTokens: 600, cacheWriteTokens: 70, costUsd: recorded[0].costUsd })])

      await expectRefused(agents, "project", recorded[0].costUsd, 0.0001)
      await agents.iterate(["agents", "set", "project", "--budget-usd", "5"])
      claudeApi.reply(anthropic.text("Again."))
      expect((await agents.iterate(["prompt", "project", "again"])).stdout).toBe("Again.\n")
      expect((await usageJson(agents)).total.turns).toBe(2)
    })
  })
})
