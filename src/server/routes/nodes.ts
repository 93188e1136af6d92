// The nodes of the fleet: every node sharing this node's PostgreSQL store, or this node alone on SQLite.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi"
import type { DaemonContext } from "../context.ts"
import { errorResponses } from "../schemas.ts"
import { json } from "./agents.ts"

const Node = z
  .object({
    id: z.string().openapi({ description: "kept in the node's data folder, so a restarted node is the same node", example: "build-1-k3x9" }),
    url: z.string().openapi({ description: "where clients reach it: its --public-url, else the address it listens on" }),
    roots: z.array(z.string()).openapi({ description: "the folders under which it runs agents" }),
    version: z.string(),
    startedAt: z.string().openapi({ format: "date-time" }),
    heartbeatAt: z.string().openapi({ format: "date-time", description: "its last heartbeat" }),
    alive: z.boolean().openapi({ description: "its heartbeat is recent (within its lease TTL) and it did not stop" }),
    agents: z.array(z.string()).openapi({ description: "ids of the agents whose lease it holds: it runs their harnesses" }),
    self: z.boolean().openapi({ description: "the node that answered" }),
  })
  .openapi("Node")

const list = createRoute({
  method: "get",
  path: "/v1/nodes",
  operationId: "listNodes",
  summary: "The nodes sharing this node's store, with their heartbeats and the agents each holds (this node alone on SQLite)",
  responses: { 200: json(z.object({ nodes: z.array(Node) }), "Nodes, oldest first"), ...errorResponses },
})

export function nodeRoutes(app: OpenAPIHono, ctx: DaemonContext) {
  app.openapi(list, async (c) => c.json({ nodes: await ctx.agents.nodes() }, 200))
}
