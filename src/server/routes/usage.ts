// The token ledger: what the agents' turns cost, as their harnesses reported it, grouped.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi"
import { parseSince, SINCE_FORMS } from "../../protocol/since.ts"
import { USAGE_GROUPS } from "../../protocol/usage.ts"
import { errorBody } from "../../protocol/errors.ts"
import type { DaemonContext } from "../context.ts"
import { errorResponses, notFoundResponse } from "../schemas.ts"
import { answer, json } from "./agents.ts"

const tokens = (what: string) => z.number().int().openapi({ description: what })

const UsageTotals = z
  .object({
    turns: z.number().int().openapi({ description: "turns that reported a spend (a turn on two models counts in each model's row, once in the total)" }),
    inputTokens: tokens("input tokens, not counting those read from the cache"),
    outputTokens: tokens("output tokens"),
    cacheReadTokens: tokens("input tokens read from the provider's prompt cache"),
    cacheWriteTokens: tokens("input tokens written to the provider's prompt cache"),
    reasoningTokens: tokens("reasoning (thinking) tokens, where the harness reports them apart"),
    costUsd: z.number().openapi({ description: "US dollars, as the harness reported them (0 where it reports no cost)" }),
  })
  .openapi("UsageTotals")

const UsageGroup = UsageTotals.extend({
  key: z.string().openapi({ description: "what the row groups by: the agent's id, the harness, the model (empty when unknown) or the day" }),
  agent: z.string().optional().openapi({ description: "by agent: its id" }),
  name: z.string().optional().openapi({ description: "by agent: its name" }),
  harness: z.string().optional().openapi({ description: "by agent and by harness: the harness" }),
  model: z.string().optional().openapi({ description: "by model: the model as the harness names it" }),
  day: z.string().optional().openapi({ description: "by day: YYYY-MM-DD, a UTC day" }),
}).openapi("UsageGroup")

const UsageReport = z
  .object({
    by: z.enum(USAGE_GROUPS),
    since: z.string().optional().openapi({ format: "date-time", description: "the moment `since` named: turns that ended from then on" }),
    groups: z.array(UsageGroup).openapi({ description: "by day oldest first, otherwise the costliest first" }),
    total: UsageTotals,
  })
  .openapi("UsageReport")

const usage = createRoute({
  method: "get",
  path: "/v1/usage",
  operationId: "getUsage",
  summary: "Tokens and cost of the agents' turns from the ledger, grouped by agent, harness, model or day, with a total",
  request: {
    query: z.object({
      agent: z.string().optional().openapi({ description: "only this agent (id or name)" }),
      since: z.string().optional().openapi({ description: `only turns that ended since then: ${SINCE_FORMS}`, example: "7d" }),
      by: z.enum(USAGE_GROUPS).optional().openapi({ description: "how rows are grouped (default agent)" }),
    }),
  },
  responses: { 200: json(UsageReport, "The report"), ...errorResponses, ...notFoundResponse },
})

export function usageRoutes(app: OpenAPIHono, ctx: DaemonContext) {
  app.openapi(usage, (c) => {
    const { agent, since, by = "agent" } = c.req.valid("query")
    const from = since === undefined ? undefined : parseSince(since)
    if (since !== undefined && !from) return c.json(errorBody("invalid_request", `since must be ${SINCE_FORMS}, not ${since}`), 400)
    return answer(c, async () => c.json({ ...(await ctx.agents.usage({ agent, since: from, by })), ...(from && { since: from.toISOString() }) }, 200))
  })
}
