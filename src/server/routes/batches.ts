// Batches of tasks (src/agents/batch): made here, run by the daemon (the client that made one may
// go), listed, shown and cancelled; each one's progress is also on its stream `batches/<id>`.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi"
import { DEFAULT_PARALLEL, DEFAULT_PERMISSIONS, MAX_PARALLEL, MAX_TASKS } from "../../agents/batch/batches.ts"
import { PERMISSION_POLICIES } from "../../protocol/agent-events.ts"
import type { DaemonContext } from "../context.ts"
import { ErrorSchema, errorResponses, notFoundResponse } from "../schemas.ts"
import { answer, json } from "./agents.ts"

const TaskState = z.enum(["queued", "starting", "running", "waiting", "done", "failed", "skipped", "cancelled"]).openapi({
  description:
    "queued: not started; starting: its agent and worktree being made (and set up), until its harness takes the prompt; running: its agent's turn runs; waiting: that turn waits for a permission answer; done; failed: ended in an error (or its agent could not be made); skipped: a task of that name ran in an earlier batch of the directory and its agent is still there; cancelled: the batch was cancelled before it ended (its agent, when it had one, stays, its turn aborted)",
})

const Task = z
  .object({
    index: z.number().int().openapi({ description: "its place in the batch, from 0" }),
    line: z.number().int().optional().openapi({ description: "the line of the task file it came from" }),
    name: z.string().openapi({ description: "its own name, or one made from its prompt", example: "verbose-flag" }),
    prompt: z.string(),
    harness: z.string(),
    model: z.string().optional(),
    state: TaskState,
    agent: z.object({ id: z.string(), name: z.string() }).optional().openapi({ description: "its agent once made (a skipped task's: the earlier one's)" }),
    attempts: z.number().int().openapi({ description: "how many times its prompt was sent: more than once when a daemon stop cut its turn short" }),
    startedAt: z.string().optional(),
    endedAt: z.string().optional(),
    files: z.number().int().optional().openapi({ description: "files its agent changed so far (its worktree against the base), when known" }),
    additions: z.number().int().optional(),
    deletions: z.number().int().optional(),
    error: z.string().optional().openapi({ description: "why it failed" }),
    earlier: z
      .object({ batch: z.string(), state: z.enum(["done", "failed", "running", "cancelled"]) })
      .optional()
      .openapi({ description: "a skipped task: the batch it ran in, and how it ended there" }),
  })
  .openapi("BatchTask")

const Counts = z
  .object({
    total: z.number().int(),
    queued: z.number().int(),
    running: z.number().int().openapi({ description: "starting, running or waiting" }),
    done: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    cancelled: z.number().int(),
  })
  .openapi("BatchCounts")

const Batch = z
  .object({
    id: z.string().openapi({ example: "bk3x9qa" }),
    stream: z.string().openapi({ description: "its progress events (iterate:batch:created, iterate:batch:task:changed, iterate:batch:moved, iterate:batch:ended)", example: "batches/bk3x9qa" }),
    directory: z.string().openapi({ description: "where its agents work" }),
    source: z.string().optional().openapi({ description: "the task file's name; - for stdin" }),
    parallel: z.number().int(),
    harness: z.string().openapi({ description: "the harness of tasks that name none" }),
    model: z.string().optional(),
    permissions: z.string().openapi({ description: "each agent's permission policy" }),
    worktree: z.boolean().openapi({ description: "each agent works in a worktree of its own" }),
    createdAt: z.string(),
    endedAt: z.string().optional().openapi({ description: "when its last task ended, or it was cancelled" }),
    cancelledAt: z.string().optional().openapi({ description: "when it was cancelled: its tasks that had not ended then were cancelled" }),
    counts: Counts,
    node: z.string().openapi({ description: "the node that runs it: the one it was made on, or the one that took it over when that one died" }),
    tasks: z.array(Task).optional().openapi({ description: "absent in listings" }),
  })
  .openapi("Batch")

const TaskInput = z
  .object({
    prompt: z.string().min(1).openapi({ description: "what the task's agent is asked" }),
    name: z.string().min(1).optional().openapi({ description: "the task's name (its agent's, when free); made from the prompt when absent" }),
    harness: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    line: z.number().int().min(1).optional().openapi({ description: "the line of the task file it came from, for messages" }),
  })
  .openapi("BatchTaskInput")

const BatchInput = z
  .object({
    directory: z.string().min(1).openapi({ description: "absolute path: where the agents work, in a git checkout unless worktree is false" }),
    source: z.string().optional().openapi({ description: "the task file's name, for listings" }),
    parallel: z.number().int().min(1).max(MAX_PARALLEL).optional().openapi({ description: `how many tasks run at once; ${DEFAULT_PARALLEL} when absent` }),
    harness: z.string().min(1).optional().openapi({ description: "for tasks that name none; opencode when absent" }),
    model: z.string().min(1).optional().openapi({ description: "for tasks that name none" }),
    permissions: z.enum(PERMISSION_POLICIES).optional().openapi({ description: `each agent's permission policy; ${DEFAULT_PERMISSIONS} when absent` }),
    worktree: z.boolean().optional().openapi({ description: "each agent in a worktree of its own (true when absent)" }),
    tasks: z.array(TaskInput).min(1).max(MAX_TASKS),
  })
  .openapi("BatchInput")

const BatchParam = z.object({ batch: z.string().openapi({ param: { name: "batch", in: "path" }, description: "batch id" }) })

const create = createRoute({
  method: "post",
  path: "/v1/batches",
  operationId: "createBatch",
  summary:
    "Make a batch: every task an agent of its own (in its own worktree), at most `parallel` at work at once. Tasks of a name that ran in an earlier batch of the directory, whose agent is still there, are skipped. Bad input starts nothing",
  request: { body: { required: true, content: { "application/json": { schema: BatchInput } } } },
  responses: { 201: json(Batch, "Made; its tasks start"), ...errorResponses },
})

const list = createRoute({
  method: "get",
  path: "/v1/batches",
  operationId: "listBatches",
  summary: "Every batch, newest first, with its tasks counted by state",
  responses: { 200: json(z.object({ batches: z.array(Batch) }), "Batches"), ...errorResponses },
})

const get = createRoute({
  method: "get",
  path: "/v1/batches/{batch}",
  operationId: "getBatch",
  summary: "One batch with its tasks",
  request: { params: BatchParam },
  responses: { 200: json(Batch, "The batch"), ...errorResponses, ...notFoundResponse },
})

const cancel = createRoute({
  method: "post",
  path: "/v1/batches/{batch}/cancel",
  operationId: "cancelBatch",
  summary:
    "Cancel a batch: its queued tasks never start, the turns of those at work are aborted (their agents and worktrees stay, for review), every task not ended is cancelled, and the batch ends",
  request: { params: BatchParam },
  responses: {
    200: json(Batch, "The batch as it ended"),
    ...errorResponses,
    ...notFoundResponse,
    409: json(ErrorSchema, "The batch already ended (batch_ended), or runs on another node (elsewhere: the message names it)"),
  },
})

export function batchRoutes(app: OpenAPIHono, ctx: DaemonContext) {
  const { batches } = ctx
  app.openapi(create, (c) => answer(c, async () => c.json(await batches.create(c.req.valid("json")), 201)))
  app.openapi(list, async (c) => c.json({ batches: await batches.list() }, 200))
  app.openapi(get, (c) => answer(c, async () => c.json(await batches.get(c.req.valid("param").batch), 200)))
  app.openapi(cancel, (c) => answer(c, async () => c.json(await batches.cancel(c.req.valid("param").batch), 200)))
}
