// Permission requests of agents' harnesses: the pending ones, and answering one. An answer is the
// `permission-reply` action appended to the agent's stream; any client may append that action
// directly too (the adapter reads both the same way).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi"
import type { DaemonContext } from "../context.ts"
import { ErrorSchema, errorResponses, notFoundResponse } from "../schemas.ts"
import { AgentParam, answer, json } from "./agents.ts"
import { StreamEvent } from "./streams.ts"

const PendingPermission = z
  .object({
    id: z.string().openapi({ example: "perm_k3x9qabc2d", description: "what iterate permit and the reply name" }),
    agent: z.string().openapi({ description: "the agent's id" }),
    agentName: z.string(),
    tool: z.string().openapi({ description: "the harness's name for the tool (or permission), e.g. edit, bash, Write" }),
    kind: z.enum(["edit", "command", "read", "question", "other"]),
    summary: z.string().openapi({ example: "edit src/app.ts" }),
    request: z.unknown().openapi({ description: "the harness's own request, verbatim" }),
    createdAt: z.string().openapi({ format: "date-time" }),
    waiting: z.boolean().openapi({
      description: "a harness waits on it now; false for one its harness asked before it stopped: the answer applies when it asks the same again",
    }),
  })
  .openapi("PendingPermission")

const PermissionReplyInput = z
  .object({
    decision: z.enum(["allow", "always", "deny"]).openapi({ description: "allow this once, always allow this tool for this agent, or deny" }),
    message: z.string().optional().openapi({ description: "for deny: what the model is told" }),
  })
  .openapi("PermissionReplyInput")

const Pending = json(z.object({ permissions: z.array(PendingPermission) }), "Pending requests, oldest first")

const listAll = createRoute({
  method: "get",
  path: "/v1/permissions",
  operationId: "listPermissions",
  summary: "Every agent's permission requests that have no answer",
  responses: { 200: Pending, ...errorResponses },
})

const listOne = createRoute({
  method: "get",
  path: "/v1/agents/{agent}/permissions",
  operationId: "listAgentPermissions",
  summary: "The agent's permission requests that have no answer",
  request: { params: AgentParam },
  responses: { 200: Pending, ...errorResponses, ...notFoundResponse },
})

const reply = createRoute({
  method: "post",
  path: "/v1/agents/{agent}/permissions/{id}",
  operationId: "replyPermission",
  summary: "Answer a pending permission request: appends the permission-reply action to the agent's stream",
  request: {
    params: AgentParam.extend({ id: z.string().openapi({ param: { name: "id", in: "path" }, description: "the request's id (perm_…)" }) }),
    body: { required: true, content: { "application/json": { schema: PermissionReplyInput } } },
  },
  responses: {
    202: json(z.object({ event: StreamEvent }), "Appended"),
    ...errorResponses,
    ...notFoundResponse,
    409: json(ErrorSchema, "The request was answered or withdrawn already"),
  },
})

export function permissionRoutes(app: OpenAPIHono, ctx: DaemonContext) {
  const { agents } = ctx
  app.openapi(listAll, async (c) => c.json({ permissions: await agents.permissions() }, 200))
  app.openapi(listOne, (c) => answer(c, async () => c.json({ permissions: await agents.permissions(c.req.valid("param").agent) }, 200)))
  app.openapi(reply, (c) =>
    answer(c, async () => {
      const { agent, id } = c.req.valid("param")
      return c.json({ event: await agents.reply(agent, id, c.req.valid("json")) }, 202)
    }),
  )
}
