// Sessions a person ran in a harness directly, imported as agents (`iterate import`). The daemon
// reads them: the path is one on the daemon's machine, where the harnesses it runs keep theirs.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi"
import type { DaemonContext } from "../context.ts"
import { errorResponses, notFoundResponse } from "../schemas.ts"
import { answer, json } from "./agents.ts"

const ImportInput = z
  .object({
    harness: z.string().min(1).openapi({ description: "whose sessions: claude, codex or opencode", example: "claude" }),
    path: z.string().min(1).optional().openapi({
      description:
        "an absolute path on the daemon's machine: a session's file or a folder of them (opencode: its data folder or opencode.db); where the daemon's harness keeps them when absent",
    }),
  })
  .openapi("ImportInput")

const SessionImport = z
  .object({
    sessionId: z.string().openapi({ description: "the harness's session id: what the agent resumes from" }),
    location: z.string().openapi({ description: "where it was read from: its file, or the database it is in" }),
    outcome: z.enum(["new", "updated", "skipped"]).openapi({ description: "new: an agent made of it; updated: what it gained since the last import added; skipped: nothing done (see reason)" }),
    reason: z.string().optional().openapi({ description: "why it was skipped" }),
    agent: z.string().optional().openapi({ description: "the id of the agent that holds it" }),
    name: z.string().optional(),
    directory: z.string().optional(),
    events: z.number().int().openapi({ description: "events appended to the agent's stream now" }),
  })
  .openapi("SessionImport")

const ImportReport = z
  .object({
    harness: z.string(),
    path: z.string().openapi({ description: "what was read" }),
    sessions: z.array(SessionImport),
    warnings: z.array(z.string()).openapi({ description: "one line per file that is not in the harness's format: nothing of it was imported" }),
  })
  .openapi("ImportReport")

const create = createRoute({
  method: "post",
  path: "/v1/imports",
  operationId: "importSessions",
  summary: "Make agents of the sessions a harness ran without iterate, and add to those imported before what their sessions gained since",
  request: { body: { required: true, content: { "application/json": { schema: ImportInput } } } },
  responses: { 200: json(ImportReport, "What became of each session"), ...errorResponses, ...notFoundResponse },
})

export function importRoutes(app: OpenAPIHono, ctx: DaemonContext) {
  app.openapi(create, (c) =>
    answer(c, async () => {
      const { harness, path } = c.req.valid("json")
      return c.json(await ctx.agents.import(harness, path), 200)
    }),
  )
}
