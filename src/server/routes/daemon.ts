import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi"
import type { DaemonContext } from "../context.ts"
import { errorResponses } from "../schemas.ts"

const DaemonInfo = z
  .object({
    url: z.string(),
    pid: z.number().int(),
    version: z.string(),
    instanceId: z.string(),
    startedAt: z.string().openapi({ format: "date-time" }),
    uptimeMs: z.number().int(),
  })
  .openapi("DaemonInfo")

const info = createRoute({
  method: "get",
  path: "/v1/daemon",
  operationId: "getDaemon",
  summary: "The running daemon: where, which version, since when",
  responses: { 200: { description: "Daemon info", content: { "application/json": { schema: DaemonInfo } } }, ...errorResponses },
})

const shutdown = createRoute({
  method: "post",
  path: "/v1/daemon/shutdown",
  operationId: "shutdownDaemon",
  summary: "Stop the daemon gracefully: in-flight appends finish, live readers end, the record is removed",
  responses: {
    202: { description: "Shutting down", content: { "application/json": { schema: z.object({ stopping: z.literal(true) }) } } },
    ...errorResponses,
  },
})

export function daemonRoutes(app: OpenAPIHono, ctx: DaemonContext) {
  app.openapi(info, (c) =>
    c.json(
      {
        url: ctx.url(),
        pid: ctx.pid,
        version: ctx.version,
        instanceId: ctx.instanceId,
        startedAt: ctx.startedAt.toISOString(),
        uptimeMs: Date.now() - ctx.startedAt.getTime(),
      },
      200,
    ),
  )
  app.openapi(shutdown, (c) => {
    ctx.shutdown()
    return c.json({ stopping: true as const }, 202)
  })
}
