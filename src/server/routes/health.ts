import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi"
import type { DaemonContext } from "../context.ts"

const Health = z
  .object({
    healthy: z.literal(true),
    version: z.string(),
    instanceId: z.string().openapi({ description: "random per daemon start; clients check it against daemon.json" }),
    pid: z.number().int(),
  })
  .openapi("Health")

const route = createRoute({
  method: "get",
  path: "/health",
  operationId: "getHealth",
  summary: "Liveness and identity; the only route without authentication, so it says nothing secret",
  responses: { 200: { description: "The daemon is up", content: { "application/json": { schema: Health } } } },
})

export function healthRoutes(app: OpenAPIHono, ctx: DaemonContext) {
  app.openapi(route, (c) => c.json({ healthy: true as const, version: ctx.version, instanceId: ctx.instanceId, pid: ctx.pid }, 200))
}
