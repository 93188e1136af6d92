import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi"
import type { Context } from "hono"
import type { ContentfulStatusCode } from "hono/utils/http-status"
import { AgentError, type AgentErrorCode } from "../../agents/errors.ts"
import { PERMISSION_POLICIES } from "../../protocol/agent-events.ts"
import type { DaemonContext } from "../context.ts"
import { errorBody } from "../../protocol/errors.ts"
import { ErrorSchema, errorResponses, notFoundResponse } from "../schemas.ts"
import { StreamEvent } from "./streams.ts"

const Status = z.enum(["idle", "busy", "waiting", "error"]).openapi({
  description: "busy while a turn runs, waiting while a permission request of that turn has no answer, error when the last one failed",
})

const ListedStatus = z.enum(["idle", "busy", "waiting", "error", "orphaned", "archived"]).openapi({
  description:
    "busy while a turn runs, waiting while a permission request of that turn has no answer, error when the last one failed, orphaned while no node runs it (its node stopped and no live node reaches its directory), archived once removed without purge (restore brings it back)",
})

const Policy = z.enum(PERMISSION_POLICIES).openapi({
  description: "how permission requests are answered before anyone is asked: ask (everything), allow-edits (file edits), allow-all, deny (everything)",
})

const Worktree = z
  .object({
    root: z.string().openapi({ description: "the checkout it was made from: where a merge lands" }),
    path: z.string().openapi({ description: "the worktree's folder, under iterate's data folder" }),
    branch: z.string().openapi({ example: "iterate/verbose-flag" }),
    base: z.string().openapi({ description: "the branch the checkout was on when it was made, or the base REF it was given", example: "main" }),
    baseCommit: z.string().openapi({ description: "the commit the branch started at" }),
    setup: z.enum(["pending", "failed", "done"]).openapi({
      description: "iterate.json's worktree.setup: pending until it has run, failed when it exited with an error (the next prompt runs it again), done (also when there is none)",
    }),
  })
  .openapi("Worktree")

const Agent = z
  .object({
    id: z.string().openapi({ example: "k3x9qa" }),
    name: z.string().openapi({ example: "my-project" }),
    harness: z.string().openapi({ example: "opencode" }),
    directory: z.string().openapi({ description: "absolute path of the working directory" }),
    model: z.string().optional().openapi({ description: "provider/model; the harness's default when absent" }),
    stream: z.string().openapi({ description: "the agent's event stream", example: "agents/k3x9qa" }),
    status: ListedStatus,
    error: z.string().optional().openapi({ description: "why the last turn failed, while status is error" }),
    createdAt: z.string().openapi({ format: "date-time" }),
    sessionId: z.string().optional().openapi({ description: "the harness's session, once the agent has one" }),
    permissions: Policy,
    allowedTools: z.array(z.string()).openapi({ description: "tools an `always` answer allowed, whatever the policy" }),
    node: z.string().openapi({ description: "the node that runs it (or ran it, while orphaned): see GET /v1/nodes" }),
    importedAt: z
      .string()
      .optional()
      .openapi({ format: "date-time", description: "when a session run outside iterate was last imported into it (POST /v1/imports); absent for an agent iterate made" }),
    worktree: Worktree.optional().openapi({ description: "its own git worktree and branch, when it was made with worktree: true" }),
    archivedAt: z.string().optional().openapi({ format: "date-time", description: "when DELETE archived it, while it is archived" }),
    spentUsd: z.number().openapi({ description: "dollars its turns cost so far, as its harness reported them (see GET /v1/usage)" }),
    budgetUsd: z.number().optional().openapi({ description: "its prompts are refused (402) once spentUsd reaches this; no budget when absent" }),
  })
  .openapi("Agent")

const Budget = z.number().min(0).nullable()

const AgentInput = z
  .object({
    harness: z.string().optional().openapi({ description: "opencode (the default), or another of GET /v1/harnesses" }),
    directory: z.string().min(1).openapi({ description: "absolute path of an existing directory" }),
    name: z.string().optional().openapi({ description: "unique; the directory's name when absent" }),
    model: z.string().optional().openapi({ description: "provider/model" }),
    permissions: Policy.optional().openapi({ description: "ask when absent" }),
    node: z.string().min(1).optional().openapi({ description: "the node (id or URL) to run it on: alive, with the directory under its roots; this one when absent" }),
    worktree: z.boolean().optional().openapi({
      description: "work in a new git worktree of the directory's repository, on a new branch, under iterate's data folder; the checkout stays as it is",
    }),
    branch: z.string().min(1).optional().openapi({ description: "with worktree: the new branch's name (iterate/<name> when absent)" }),
    base: z.string().min(1).optional().openapi({ description: "with worktree: the commit to start from (a branch, tag or commit); the checkout's HEAD when absent" }),
    nameFrom: z.string().optional().openapi({ description: "when name is absent: text to name the agent after (a task's prompt)", example: "add a --verbose flag" }),
    budgetUsd: Budget.optional().openapi({ description: "dollars it may spend before its prompts are refused; config.json's agents.budgetUsd when absent, none when null" }),
  })
  .openapi("AgentInput")

const AgentUpdate = z
  .object({
    permissions: Policy.optional(),
    budgetUsd: Budget.optional().openapi({ description: "its new budget in dollars (raise it to prompt an agent that spent its budget); null removes it" }),
  })
  .openapi("AgentUpdate")

const PromptInput = z
  .object({
    text: z.string().refine((text) => text.trim() !== "", "a prompt needs text"),
    model: z.string().optional().openapi({ description: "provider/model for this turn" }),
  })
  .openapi("PromptInput")

const Harness = z
  .object({
    name: z.string(),
    available: z.boolean().openapi({ description: "its binary runs here" }),
    binary: z.string().optional(),
    version: z.string().optional(),
    problems: z
      .array(z.object({ problem: z.string(), fix: z.string().openapi({ description: "the command (or setting) that fixes it" }) }))
      .openapi({ description: "empty when it is ready; otherwise what is missing" }),
  })
  .openapi("Harness")

const AttachCommand = z
  .object({
    argv: z.array(z.string()).openapi({ description: "the harness's own TUI on the agent's session" }),
    env: z.record(z.string(), z.string()).openapi({ description: "to add to the environment of that process: it holds the harness's password" }),
    cwd: z.string().optional().openapi({ description: "the directory to run it in" }),
  })
  .openapi("AttachCommand")

export const AgentParam = z.object({
  agent: z.string().openapi({ param: { name: "agent", in: "path" }, description: "agent id or name" }),
})

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } })
const conflict = { 409: json(ErrorSchema, "Conflicts with the agents there are") }

const list = createRoute({
  method: "get",
  path: "/v1/agents",
  operationId: "listAgents",
  summary: "The agents (the archived ones too with all=true)",
  request: { query: z.object({ all: z.enum(["true", "false"]).optional().openapi({ description: "true: archived agents too" }) }) },
  responses: { 200: json(z.object({ agents: z.array(Agent) }), "Agents"), ...errorResponses },
})

const create = createRoute({
  method: "post",
  path: "/v1/agents",
  operationId: "createAgent",
  summary: "Create an agent: a stream and a harness adapter for a working directory",
  request: { body: { required: true, content: { "application/json": { schema: AgentInput } } } },
  responses: { 201: json(Agent, "Created"), ...errorResponses, ...conflict },
})

const get = createRoute({
  method: "get",
  path: "/v1/agents/{agent}",
  operationId: "getAgent",
  summary: "One agent",
  request: { params: AgentParam },
  responses: { 200: json(Agent, "The agent"), ...errorResponses, ...notFoundResponse },
})

const update = createRoute({
  method: "patch",
  path: "/v1/agents/{agent}",
  operationId: "updateAgent",
  summary: "Change an agent's permission policy or budget",
  request: { params: AgentParam, body: { required: true, content: { "application/json": { schema: AgentUpdate } } } },
  responses: { 200: json(Agent, "The agent as it is now"), ...errorResponses, ...notFoundResponse },
})

const remove = createRoute({
  method: "delete",
  path: "/v1/agents/{agent}",
  operationId: "deleteAgent",
  summary:
    "Stop the agent wherever it runs and archive it (its stream stays readable and searchable; a worktree agent's worktree and branch go, its last state kept); purge=true deletes it and its stream for good (refused while a worktree agent's branch holds unmerged work, unless force)",
  request: {
    params: AgentParam,
    query: z.object({
      purge: z.enum(["true", "false"]).optional().openapi({ description: "true: delete the agent, its stream and its search index for good" }),
      force: z.enum(["true", "false"]).optional().openapi({ description: "with purge: delete a worktree agent whose branch holds work not merged into its base" }),
    }),
  },
  responses: {
    204: { description: "Archived (or purged)" },
    ...errorResponses,
    ...notFoundResponse,
    409: json(ErrorSchema, "Archived already, or (purge) the agent's branch holds work not merged into its base"),
  },
})

const restore = createRoute({
  method: "post",
  path: "/v1/agents/{agent}/restore",
  operationId: "restoreAgent",
  summary: "Bring an archived agent back: it runs on this node again (a worktree agent in its worktree, made again), and its next prompt resumes its harness session",
  request: { params: AgentParam },
  responses: { 200: json(Agent, "The agent as it is now"), ...errorResponses, ...notFoundResponse, 409: json(ErrorSchema, "Not archived, or it cannot run here") },
})

const prompt = createRoute({
  method: "post",
  path: "/v1/agents/{agent}/prompt",
  operationId: "promptAgent",
  summary: "Append a prompt action to the agent's stream; read the stream from its offset for the reply",
  request: { params: AgentParam, body: { required: true, content: { "application/json": { schema: PromptInput } } } },
  responses: {
    202: json(z.object({ event: StreamEvent }), "Appended"),
    ...errorResponses,
    402: json(ErrorSchema, "The agent has spent its budget (budget_exceeded): nothing was appended; raise it with PATCH /v1/agents/{agent}"),
    ...notFoundResponse,
    ...conflict,
  },
})

const abort = createRoute({
  method: "post",
  path: "/v1/agents/{agent}/abort",
  operationId: "abortAgent",
  summary: "Append an abort action: the agent's current turn ends",
  request: { params: AgentParam },
  responses: {
    202: json(z.object({ event: StreamEvent, status: Status.openapi({ description: "the agent's status when the abort was appended" }) }), "Appended"),
    ...errorResponses,
    ...notFoundResponse,
    ...conflict,
  },
})

const attach = createRoute({
  method: "post",
  path: "/v1/agents/{agent}/attach",
  operationId: "attachAgent",
  summary: "The command that opens the harness's TUI on the agent's session (starting the harness if needed)",
  request: { params: AgentParam },
  responses: {
    200: json(AttachCommand, "The command"),
    ...errorResponses,
    ...notFoundResponse,
    409: json(ErrorSchema, "The agent runs on another node"),
    502: json(ErrorSchema, "The harness failed to start"),
  },
})

const harnesses = createRoute({
  method: "get",
  path: "/v1/harnesses",
  operationId: "listHarnesses",
  summary: "Every harness this daemon knows: whether it runs here, its version, and what is missing with the command that fixes it",
  responses: { 200: json(z.object({ harnesses: z.array(Harness) }), "Harnesses"), ...errorResponses },
})

const STATUS: Record<AgentErrorCode, ContentfulStatusCode> = {
  agent_not_found: 404,
  invalid_agent: 400,
  harness_unavailable: 400,
  name_taken: 409,
  stream_missing: 409,
  permission_not_found: 404,
  permission_answered: 409,
  elsewhere: 409,
  archived: 409,
  not_archived: 409,
  cannot_restore: 409,
  invalid_search: 400,
  invalid_import: 400,
  no_sessions: 404,
  not_a_repository: 400,
  bare_repository: 400,
  detached_head: 400,
  branch_exists: 400,
  invalid_branch: 400,
  unknown_ref: 400,
  no_worktree: 400,
  no_snapshot: 409,
  agent_busy: 409,
  checkout_not_on_base: 409,
  checkout_dirty: 409,
  merge_conflict: 409,
  unmerged_work: 409,
  no_remote: 409,
  gh_missing: 409,
  push_failed: 502,
  invalid_batch: 400,
  batch_not_found: 404,
  batch_ended: 409,
  budget_exceeded: 402,
}

/**
 * Runs a route's work: an AgentError becomes its JSON error; with `harness`, any other failure is
 * the harness's (502), else it is a bug for the app's error handler.
 */
export async function answer<T>(c: Context, work: () => T | Promise<T>, harness = false): Promise<T> {
  try {
    return await work()
  } catch (error) {
    // Each route declares its error statuses; `never` spares spelling out their typed unions here.
    if (error instanceof AgentError) return c.json(errorBody(error.code, error.message), STATUS[error.code]) as never
    if (harness) return c.json(errorBody("harness_failed", (error as Error).message), 502) as never
    throw error
  }
}

export function agentRoutes(app: OpenAPIHono, ctx: DaemonContext) {
  const { agents } = ctx
  app.openapi(list, async (c) => c.json({ agents: await agents.list({ all: c.req.valid("query").all === "true" }) }, 200))
  app.openapi(harnesses, async (c) => c.json({ harnesses: await agents.checks() }, 200))
  app.openapi(create, (c) => answer(c, async () => c.json(await agents.create(c.req.valid("json")), 201)))
  app.openapi(get, (c) => answer(c, async () => c.json(await agents.get(c.req.valid("param").agent), 200)))
  app.openapi(update, (c) => answer(c, async () => c.json(await agents.update(c.req.valid("param").agent, c.req.valid("json")), 200)))
  app.openapi(remove, (c) =>
    answer(c, async () => {
      const query = c.req.valid("query")
      await agents.remove(c.req.valid("param").agent, { purge: query.purge === "true", force: query.force === "true" })
      return c.body(null, 204)
    }),
  )
  app.openapi(restore, (c) => answer(c, async () => c.json(await agents.restore(c.req.valid("param").agent), 200)))
  app.openapi(prompt, (c) => answer(c, async () => c.json({ event: await agents.prompt(c.req.valid("param").agent, c.req.valid("json")) }, 202)))
  app.openapi(abort, (c) => answer(c, async () => c.json(await agents.abort(c.req.valid("param").agent), 202)))
  app.openapi(attach, (c) => answer(c, async () => c.json(await agents.attach(c.req.valid("param").agent), 200), true))
}
