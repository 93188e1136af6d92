// The archive of transcripts: full-text search over every agent's (archived ones too), and one
// agent's transcript exported as a document (Markdown, HTML) or its raw events (JSON lines).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi"
import { transcriptFor } from "../../harness/transcripts.ts"
import { parseSince, SINCE_FORMS } from "../../protocol/since.ts"
import { errorBody } from "../../protocol/errors.ts"
import { transcriptHtml } from "../../transcript/html.ts"
import { transcriptMarkdown } from "../../transcript/markdown.ts"
import type { AgentStreamEvent } from "../../transcript/types.ts"
import type { DaemonContext } from "../context.ts"
import { errorResponses, notFoundResponse } from "../schemas.ts"
import { AgentParam, answer, json } from "./agents.ts"

const SearchHit = z
  .object({
    agent: z.string().openapi({ description: "the agent's id" }),
    agentName: z.string(),
    harness: z.string(),
    archived: z.boolean().openapi({ description: "the agent is archived (agents rm): restore brings it back" }),
    kind: z.enum(["prompt", "reply", "thought", "tool", "file", "permission", "error", "activity"]).openapi({ description: "the part of the message that matches" }),
    offset: z.string().openapi({ description: "read the agent's stream (iterate events --offset) from here: the message that matches comes first" }),
    createdAt: z.string().openapi({ format: "date-time" }),
    snippet: z.string().openapi({ description: "the text around the matches, on one line" }),
    highlights: z.array(z.tuple([z.number().int(), z.number().int()])).openapi({ description: "[start, end) of each match in snippet" }),
  })
  .openapi("SearchHit")

const search = createRoute({
  method: "get",
  path: "/v1/search",
  operationId: "searchTranscripts",
  summary: "Full-text search over every agent's transcript: prompts, replies, thinking, tool calls and their output, file paths and diffs",
  description:
    'Words must all match (any order); "quoted words" must follow each other; a word ending in * matches every word it begins. The best matches come first, the newest first among equals; one hit per message.',
  request: {
    query: z.object({
      q: z.string().openapi({ description: "the words to find", example: "flaky retry" }),
      agent: z.string().optional().openapi({ description: "only this agent (id or name)" }),
      harness: z.string().optional().openapi({ description: "only agents of this harness" }),
      since: z.string().optional().openapi({ description: `only messages from then on: ${SINCE_FORMS}` }),
      limit: z.coerce.number().int().min(1).max(100).optional().openapi({ description: "at most this many hits (20 by default)" }),
    }),
  },
  responses: { 200: json(z.object({ hits: z.array(SearchHit) }), "The hits, best first"), ...errorResponses, ...notFoundResponse },
})

const FORMATS = { md: "text/markdown; charset=utf-8", html: "text/html; charset=utf-8", jsonl: "application/jsonl" } as const

const exportAgent = createRoute({
  method: "get",
  path: "/v1/agents/{agent}/export",
  operationId: "exportAgent",
  summary: "The agent's transcript as a document: Markdown (md, the default), one self-contained HTML file, or its raw events as JSON lines",
  request: {
    params: AgentParam,
    query: z.object({ format: z.enum(["md", "html", "jsonl"]).optional().openapi({ description: "md when absent" }) }),
  },
  responses: {
    200: {
      description: "The document",
      content: {
        "text/markdown": { schema: z.string() },
        "text/html": { schema: z.string() },
        "application/jsonl": { schema: z.string().openapi({ description: "one event a line, as the stream holds them" }) },
      },
    },
    ...errorResponses,
    ...notFoundResponse,
  },
})

const encoder = new TextEncoder()

/** A file name for the document: the agent's name without anything a file system minds. */
const fileName = (name: string, format: keyof typeof FORMATS) => `${name.replace(/[^\w.-]+/g, "_")}.${format}`

export function archiveRoutes(app: OpenAPIHono, ctx: DaemonContext) {
  const { agents } = ctx
  app.openapi(search, (c) =>
    answer(c, async () => {
      const { q, agent, harness, since, limit } = c.req.valid("query")
      const from = since === undefined ? undefined : parseSince(since)
      if (since !== undefined && !from) return c.json(errorBody("invalid_request", `since must be ${SINCE_FORMS}, not ${since}`), 400)
      return c.json({ hits: await agents.search({ query: q, agent, harness, since: from, limit }) }, 200)
    }),
  )
  app.openapi(exportAgent, (c) =>
    answer(c, async () => {
      const agent = await agents.get(c.req.valid("param").agent)
      const format = c.req.valid("query").format ?? "md"
      const headers = { "Content-Type": FORMATS[format], "Content-Disposition": `inline; filename="${fileName(agent.name, format)}"` }
      const pages = agents.history(agent.id)
      if (format === "jsonl") {
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            const next = await pages.next()
            if (next.done) controller.close()
            else controller.enqueue(encoder.encode(next.value.map((event) => `${JSON.stringify(event)}\n`).join("")))
          },
          cancel: () => void pages.return(undefined),
        })
        return new Response(body, { headers }) as never
      }
      const transcript = transcriptFor(agent.harness)
      for await (const page of pages) transcript.pushAll(page as AgentStreamEvent[])
      const render = format === "html" ? transcriptHtml : transcriptMarkdown
      return new Response(render(agent, transcript.transcript), { headers }) as never
    }),
  )
}
