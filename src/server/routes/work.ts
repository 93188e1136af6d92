// What an agent did to its files (src/agents/work): its diff, undoing a turn, merging or pushing
// a worktree agent's branch. git runs on the machine that holds the agent's files.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi"
import type { DaemonContext } from "../context.ts"
import { ErrorSchema, errorResponses, notFoundResponse } from "../schemas.ts"
import { AgentParam, answer, json } from "./agents.ts"

const Status = z.enum(["added", "modified", "deleted", "renamed", "copied"])

const Hunk = z
  .object({
    header: z.string().openapi({ example: "@@ -1,3 +1,4 @@" }),
    oldStart: z.number().int(),
    oldLines: z.number().int(),
    newStart: z.number().int(),
    newLines: z.number().int(),
    lines: z.array(z.string()).openapi({ description: "each with its prefix: ' ' context, '+' added, '-' removed, '\\\\' a note such as no newline at the end" }),
  })
  .openapi("DiffHunk")

const DiffFile = z
  .object({
    path: z.string().openapi({ description: "relative to the repository's top folder; for a deleted file, the path it had" }),
    oldPath: z.string().optional().openapi({ description: "the path before a rename or copy" }),
    status: Status,
    additions: z.number().int(),
    deletions: z.number().int(),
    binary: z.boolean(),
    hunks: z.array(Hunk).optional().openapi({ description: "absent with stat=true" }),
  })
  .openapi("DiffFile")

const AgentDiff = z
  .object({
    agent: z.string().openapi({ description: "the agent's id" }),
    from: z.string().openapi({ description: "the commit the change is counted from" }),
    since: z.string().openapi({ description: "what that commit is", example: "the merge-base with main" }),
    files: z.array(DiffFile),
    additions: z.number().int(),
    deletions: z.number().int(),
    patch: z.string().optional().openapi({ description: "the unified diff, in git's format; absent with stat=true" }),
  })
  .openapi("AgentDiff")

const Reverted = z
  .object({
    turn: z.number().int().openapi({ description: "the turn whose start the files were put back to (1: the first)" }),
    prompt: z.string().openapi({ description: "offset of the prompt that started that turn" }),
    files: z
      .array(z.object({ path: z.string(), status: z.enum(["added", "deleted", "modified"]) }))
      .openapi({ description: "what changed on disk, as a change from before the revert: added (a deleted file restored), deleted (a file made since removed), modified" }),
    backup: z.string().openapi({ description: "the ref that keeps the files as they were before the revert", example: "refs/iterate/k3x9qa/reverts/1767225600000" }),
  })
  .openapi("Reverted")

const Merged = z
  .object({
    branch: z.string(),
    base: z.string(),
    commit: z.string().openapi({ description: "the commit the base branch is at now" }),
    squash: z.boolean(),
    fastForward: z.boolean().openapi({ description: "the base moved forward to the agent's branch: no merge commit" }),
    files: z.number().int().openapi({ description: "how many files the merge changed in the checkout; 0: the base had all of it already" }),
  })
  .openapi("Merged")

const Pushed = z
  .object({
    branch: z.string(),
    remote: z.string(),
    pr: z.string().optional().openapi({ description: "the URL of the pull request opened for it" }),
  })
  .openapi("Pushed")

const flag = (description: string) => z.enum(["true", "false"]).optional().openapi({ description })
const refused = (description: string) => ({ 409: json(ErrorSchema, description) })
/** A JSON body that may be left out (every field has a default). */
const optionalBody = <T extends z.ZodRawShape>(shape: T) => ({ required: false, content: { "application/json": { schema: z.object(shape) } } })
const message = z.string().min(1).optional().openapi({ description: "the commit message; the agent's first prompt when absent" })

const diff = createRoute({
  method: "get",
  path: "/v1/agents/{agent}/diff",
  operationId: "diffAgent",
  summary:
    "The agent's change: a worktree agent's against the merge-base with its base (commits, uncommitted edits, new files; ignored files left out), another agent's since it was made",
  request: {
    params: AgentParam,
    query: z.object({
      last: flag("true: only what the last turn changed"),
      stat: flag("true: only each file's path, status and counts (no patch, no hunks)"),
    }),
  },
  responses: { 200: json(AgentDiff, "The change"), ...errorResponses, ...notFoundResponse, ...refused("No snapshot to count from, or the files are on another machine") },
})

const revert = createRoute({
  method: "post",
  path: "/v1/agents/{agent}/revert",
  operationId: "revertAgent",
  summary: "Put the agent's files back as they were when a turn started (the last by default); refused while the agent is busy",
  request: {
    params: AgentParam,
    body: optionalBody({ turn: z.number().int().min(1).optional().openapi({ description: "1 for the first turn" }) }),
  },
  responses: { 200: json(Reverted, "Reverted"), ...errorResponses, ...notFoundResponse, ...refused("The agent is busy, or has no such turn") },
})

const merge = createRoute({
  method: "post",
  path: "/v1/agents/{agent}/merge",
  operationId: "mergeAgent",
  summary:
    "Commit the worktree's uncommitted work, then merge the agent's branch into its base in the checkout it was made from; a refusal or a conflict changes nothing",
  request: {
    params: AgentParam,
    body: optionalBody({ squash: z.boolean().optional().openapi({ description: "one commit with the whole change instead of a merge" }), message }),
  },
  responses: {
    200: json(Merged, "Merged (or nothing to merge: files is 0)"),
    ...errorResponses,
    ...notFoundResponse,
    ...refused("The agent is busy, the checkout is not on the base branch or has uncommitted changes to the same files, or the merge conflicts (the message names the files)"),
  },
})

const push = createRoute({
  method: "post",
  path: "/v1/agents/{agent}/push",
  operationId: "pushAgent",
  summary: "Commit the worktree's uncommitted work and push the agent's branch; with pr, open a pull request with gh",
  request: {
    params: AgentParam,
    body: optionalBody({
      remote: z.string().min(1).optional().openapi({ description: "the remote; the base branch's upstream's, else origin, when absent" }),
      pr: z.boolean().optional().openapi({ description: "open a pull request with GitHub's gh" }),
      message,
    }),
  },
  responses: {
    200: json(Pushed, "Pushed"),
    ...errorResponses,
    ...notFoundResponse,
    ...refused("The agent is busy, there is no such remote, or gh is not installed"),
    502: json(ErrorSchema, "git push (or gh) failed"),
  },
})

export function workRoutes(app: OpenAPIHono, ctx: DaemonContext) {
  const { agents } = ctx
  app.openapi(diff, (c) =>
    answer(c, async () => {
      const { last, stat } = c.req.valid("query")
      return c.json(await agents.diff(c.req.valid("param").agent, { last: last === "true", stat: stat === "true" }), 200)
    }),
  )
  app.openapi(revert, (c) => answer(c, async () => c.json(await agents.revert(c.req.valid("param").agent, c.req.valid("json") ?? {}), 200)))
  app.openapi(merge, (c) => answer(c, async () => c.json(await agents.merge(c.req.valid("param").agent, c.req.valid("json") ?? {}), 200)))
  app.openapi(push, (c) => answer(c, async () => c.json(await agents.push(c.req.valid("param").agent, c.req.valid("json") ?? {}), 200)))
}
