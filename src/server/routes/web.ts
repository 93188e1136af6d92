// The API behind the web UI: login links (minted by `iterate web` with the daemon's token or the
// server password, never by a browser session), ending sessions, one live feed for the agents
// list, and directory completion for "New agent".
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi"
import type { Context } from "hono"
import type { DaemonContext } from "../context.ts"
import { errorBody } from "../../protocol/errors.ts"
import { ErrorSchema, errorResponses } from "../schemas.ts"
import { agentsFeed } from "../web/agents-feed.ts"
import { clearedCookie } from "../web/cookie.ts"
import { DirectoryError, listDirectories } from "../web/directories.ts"
import { landing } from "../web/pages.ts"
import { CODE_TTL_MAX_S } from "../web/sessions.ts"

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } })
const forbidden = { 403: json(ErrorSchema, "A browser session cannot do this; use the CLI (the daemon's token or the server password)") }

const LoginCodeInput = z
  .object({
    next: z.string().optional().openapi({ description: "the page to land on after login, a path on this server (default /)", example: "/agents/k3x9qa" }),
    ttlSeconds: z.number().int().min(1).max(CODE_TTL_MAX_S).optional().openapi({ description: `how long the code is valid (at most and by default ${CODE_TTL_MAX_S})` }),
  })
  .openapi("LoginCodeInput")

const LoginCode = z
  .object({
    code: z.string(),
    path: z.string().openapi({ description: "open this path on the server (e.g. /login?code=…) in a browser to log in", example: "/login?code=…" }),
    expiresAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("LoginCode")

const Directory = z.object({ name: z.string(), path: z.string() })
const DirectoryListing = z
  .object({
    path: z.string().optional().openapi({ description: "the folder listed; absent when the roots are listed" }),
    parent: z.string().optional().openapi({ description: "its parent, while that is inside a root" }),
    directories: z.array(Directory),
    roots: z.array(z.string()).openapi({ description: "the folders that may be browsed (config.json web.roots, or the home folder)" }),
  })
  .openapi("DirectoryListing")

const session = createRoute({
  method: "get",
  path: "/v1/web/session",
  operationId: "getWebSession",
  summary: "Whether this browser is logged in, and whether the login page takes a password; needs no credentials",
  responses: {
    200: json(z.object({ authenticated: z.boolean(), passwordLogin: z.boolean() }).openapi("WebSession"), "The session's state"),
  },
})

const mintCode = createRoute({
  method: "post",
  path: "/v1/web/login-codes",
  operationId: "createLoginCode",
  summary: "A single-use login code for the web UI, valid for at most two minutes (what `iterate web` opens)",
  request: { body: { required: false, content: { "application/json": { schema: LoginCodeInput } } } },
  responses: { 201: json(LoginCode, "Minted"), ...errorResponses, ...forbidden },
})

const revoke = createRoute({
  method: "delete",
  path: "/v1/web/sessions",
  operationId: "revokeWebSessions",
  summary: "End every web UI session (`iterate web --revoke`)",
  responses: { 200: json(z.object({ ended: z.number().int() }), "Ended"), ...errorResponses, ...forbidden },
})

const logout = createRoute({
  method: "post",
  path: "/v1/web/logout",
  operationId: "logoutWebSession",
  summary: "End the browser session that sends this, and clear its cookie",
  responses: { 204: { description: "Logged out" }, ...errorResponses },
})

const watchAgents = createRoute({
  method: "get",
  path: "/v1/watch/agents",
  operationId: "watchAgents",
  summary: "Server-sent events: `agents` {agents} with the whole list, then `agent` {agent} for each change and `removed` {id}",
  description:
    "Each agent comes with nextOffset (the tail of its stream) and lastActivity (when its newest event was appended). One connection for every agent, so a browser never runs out of connections to the daemon.",
  responses: { 200: { description: "The event stream", content: { "text/event-stream": { schema: z.string() } } }, ...errorResponses },
})

const directories = createRoute({
  method: "get",
  path: "/v1/fs/directories",
  operationId: "listDirectories",
  summary: "The subfolders of a folder, for picking an agent's directory; only inside the configured roots",
  request: {
    query: z.object({
      path: z.string().optional().openapi({ description: "an absolute path (or ~/…); absent: the roots" }),
      hidden: z.enum(["true", "false"]).optional().openapi({ description: "true: include folders whose names start with a dot" }),
    }),
  },
  responses: {
    200: json(DirectoryListing, "The subfolders"),
    ...errorResponses,
    403: json(ErrorSchema, "Outside the roots, or unreadable"),
    404: json(ErrorSchema, "No such folder"),
  },
})

/** Login links and revocation are for holders of the daemon's secrets; a session must not extend itself. */
const bySession = (c: Context) =>
  c.get("webSession") !== undefined && c.json(errorBody("session_not_allowed", "a browser session cannot do this; run iterate web"), 403)

export function webRoutes(app: OpenAPIHono, ctx: DaemonContext) {
  const { sessions } = ctx.web
  app.openapi(session, (c) =>
    c.json({ authenticated: c.get("webSession") !== undefined, passwordLogin: ctx.web.password !== undefined }, 200),
  )
  app.openapi(mintCode, async (c) => {
    const refused = bySession(c)
    if (refused) return refused as never
    const input = c.req.valid("json") ?? {}
    const { code, expiresAt } = sessions.mintCode(landing(input.next), input.ttlSeconds)
    return c.json({ code, path: `/login?code=${code}`, expiresAt: new Date(expiresAt).toISOString() }, 201)
  })
  app.openapi(revoke, (c) => {
    const refused = bySession(c)
    if (refused) return refused as never
    return c.json({ ended: sessions.revokeAll() }, 200)
  })
  app.openapi(logout, (c) => {
    const session = c.get("webSession")
    if (session) sessions.end(session)
    const secure = new URL(c.req.url).protocol === "https:" || ctx.web.publicUrl?.startsWith("https:") === true
    return c.body(null, 204, { "Set-Cookie": clearedCookie(c.req.header("host"), secure) })
  })
  app.openapi(watchAgents, (c) => agentsFeed(ctx, c.req.raw) as never)
  app.openapi(directories, (c) => {
    const { path, hidden } = c.req.valid("query")
    try {
      return c.json(listDirectories(path, ctx.web.roots, ctx.web.home, hidden === "true"), 200)
    } catch (error) {
      if (!(error instanceof DirectoryError)) throw error
      return c.json(errorBody(error.code, error.message), error.status)
    }
  })
}
