import { OpenAPIHono } from "@hono/zod-openapi"
import { Hono } from "hono"
import { bodyLimit } from "hono/body-limit"
import { HTTPException } from "hono/http-exception"
import { StoreUnavailableError } from "../storage/unavailable.ts"
import { classifyWriteError, StorageFullError } from "../streams/storage-full.ts"
import { accessLog } from "./access-log.ts"
import type { DaemonContext } from "./context.ts"
import { errorBody } from "../protocol/errors.ts"
import { agentRoutes } from "./routes/agents.ts"
import { archiveRoutes } from "./routes/archive.ts"
import { batchRoutes } from "./routes/batches.ts"
import { daemonRoutes } from "./routes/daemon.ts"
import { healthRoutes } from "./routes/health.ts"
import { importRoutes } from "./routes/imports.ts"
import { nodeRoutes } from "./routes/nodes.ts"
import { permissionRoutes } from "./routes/permissions.ts"
import { streamRoutes } from "./routes/streams.ts"
import { todoRoutes } from "./routes/todos.ts"
import { usageRoutes } from "./routes/usage.ts"
import { webRoutes } from "./routes/web.ts"
import { workRoutes } from "./routes/work.ts"
import { security, type SecurityOptions } from "./security.ts"
import { webPages } from "./web/pages.ts"

export const OPENAPI_INFO = {
  title: "iterate",
  description: "The iterate daemon: durable event streams and the agents that run on them.",
}

/** The routes and their OpenAPI document, without transport concerns (scripts/generate-sdk.ts renders it). */
export function createApi(ctx: DaemonContext): OpenAPIHono {
  const api = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0]
        const where = issue?.path.length ? `${issue.path.join(".")}: ` : ""
        return c.json(errorBody("invalid_request", `${where}${issue?.message ?? "invalid request"}`), 400)
      }
    },
  })
  healthRoutes(api, ctx)
  daemonRoutes(api, ctx)
  streamRoutes(api, ctx)
  agentRoutes(api, ctx)
  archiveRoutes(api, ctx)
  workRoutes(api, ctx)
  todoRoutes(api, ctx)
  batchRoutes(api, ctx)
  webRoutes(api, ctx)
  permissionRoutes(api, ctx)
  nodeRoutes(api, ctx)
  importRoutes(api, ctx)
  usageRoutes(api, ctx)
  api.doc31("/doc", { openapi: "3.1.0", info: { ...OPENAPI_INFO, version: ctx.version } })
  api.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" })
  return api
}

export interface AppOptions extends SecurityOptions {
  /** bodies larger than this get 413, whether or not they announce their length */
  maxBodySize: number
}

/**
 * The daemon's HTTP app: an access log line for every request, security in front of every route,
 * a body size limit after it (so strangers' bodies are never read), JSON errors for everything that fails.
 */
export function createApp(ctx: DaemonContext, options: AppOptions): Hono {
  const app = new Hono()
  app.use("*", accessLog())
  app.use("*", security(options))
  app.use(
    "*",
    bodyLimit({
      maxSize: options.maxBodySize,
      onError: (c) => c.json(errorBody("payload_too_large", `the body is larger than ${options.maxBodySize} bytes (--max-body-size)`), 413),
    }),
  )
  app.route("/", createApi(ctx))
  app.route("/", webPages(ctx))
  app.notFound((c) => c.json(errorBody("not_found", `no route for ${c.req.method} ${c.req.path}`), 404))
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      const status = error.status
      const message = status === 400 && /JSON/i.test(error.message) ? "the body is not valid JSON" : error.message
      return c.json(errorBody(status === 400 ? "invalid_request" : "http_error", message), status)
    }
    // The client hung up in the middle of its body: nobody reads this answer, and it is no daemon error.
    if (c.req.raw.signal.aborted) return c.json(errorBody("client_closed", "the client closed the connection mid-request"), 400)
    // The database went away (PostgreSQL restarting): nothing was done, and the client may retry.
    if (error instanceof StoreUnavailableError) return c.json(errorBody("store_unavailable", error.message), 503, { "Retry-After": "1" })
    // A full disk is the machine's state, not a daemon failure: the write is refused, the daemon stays up.
    const full = classifyWriteError(error)
    if (full instanceof StorageFullError)
      return c.json(errorBody("insufficient_storage", `${full.message}: nothing was written; free some space and try again`), 507)
    console.error(`request ${c.req.method} ${c.req.path} failed:`, error)
    return c.json(errorBody("internal", "internal error; see the daemon log"), 500)
  })
  return app
}
