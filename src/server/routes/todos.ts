// An agent's todo list (src/transcript/todos.ts), folded here from its stream so that a client
// gets it without reading and folding the whole stream itself.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi"
import { AgentStreams } from "../../agents/stream.ts"
import { transcriptFor } from "../../harness/transcripts.ts"
import type { DaemonContext } from "../context.ts"
import { errorResponses, notFoundResponse } from "../schemas.ts"
import { AgentParam, answer, json } from "./agents.ts"

const TodoItem = z
  .object({
    content: z.string().openapi({ example: "Run the tests" }),
    status: z.enum(["pending", "in_progress", "completed", "cancelled"]),
    priority: z.string().optional().openapi({ description: "high, medium or low, where the harness ranks them" }),
    activeForm: z.string().optional().openapi({ description: "the item as it is being done (Claude Code)", example: "Running the tests" }),
  })
  .openapi("Todo")

const todos = createRoute({
  method: "get",
  path: "/v1/agents/{agent}/todos",
  operationId: "agentTodos",
  summary:
    "The agent's todo list as its newest todo tool call left it (opencode's todowrite, Claude Code's TodoWrite or task tools, Codex's plan, an ACP agent's plan); empty when it keeps none",
  request: { params: AgentParam },
  responses: { 200: json(z.object({ agent: z.string().openapi({ description: "the agent's id" }), todos: z.array(TodoItem) }), "The list"), ...errorResponses, ...notFoundResponse },
})

export function todoRoutes(app: OpenAPIHono, ctx: DaemonContext) {
  const streams = new AgentStreams(ctx.store)
  app.openapi(todos, (c) =>
    answer(c, async () => {
      const agent = await ctx.agents.get(c.req.valid("param").agent)
      const builder = transcriptFor(agent.harness)
      let offset: string | undefined
      for (;;) {
        const events = await streams.read(agent.stream, offset)
        if (!events || events.length === 0) break
        builder.pushAll(events)
        offset = events.at(-1)!.offset
      }
      return c.json({ agent: agent.id, todos: builder.transcript.todos }, 200)
    }),
  )
}
