// `iterate acp`: an Agent Client Protocol agent on stdio, so an editor drives iterate agents of any
// harness. The protocol side (newline-delimited JSON-RPC, initialize first, params checked against
// ACP's schemas, typed methods) is the ACP TypeScript library's AgentApp; what each method does is
// here and in session.ts, through the daemon's API like every other client command. stdout is the
// protocol's alone: diagnostics go to stderr, and console.log is pointed there too.
import { agent, type AgentContext, ndJsonStream, PROTOCOL_VERSION, RequestError, type SessionInfo } from "@agentclientprotocol/sdk"
import type { Command } from "commander"
import { newAgent } from "../client/agents.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import type { Output } from "../client/output.ts"
import { silenceSpinner } from "../client/spinner.ts"
import { getAgent, listAgents } from "../sdk/sdk.gen.ts"
import type { Agent } from "../sdk/types.gen.ts"
import { VERSION } from "../version.ts"
import { promptText } from "./prompt-text.ts"
import type { AcpSettings } from "./settings.ts"
import { AcpSession } from "./session.ts"

/** Anything a handler throws, as the JSON-RPC error the client shows: our one-line message, not "Internal error". */
function requestError(error: unknown): RequestError {
  if (error instanceof RequestError) return error
  return new RequestError(-32603, error instanceof Error ? error.message : String(error))
}

const answering =
  <C, R>(handler: (context: C) => Promise<R>) =>
  async (context: C): Promise<R> => {
    try {
      return await handler(context)
    } catch (error) {
      throw requestError(error)
    }
  }

export async function serveAcp(io: Output, command: Command, options: AcpSettings): Promise<void> {
  silenceSpinner()
  console.log = console.error
  const sessions = new Map<string, AcpSession>()

  async function agentNamed(id: string): Promise<Agent> {
    const connection = await connectFor(io, command)
    const result = await getAgent({ client: connection.client, path: { agent: id } })
    if (result.response?.status === 404) throw RequestError.resourceNotFound(id)
    return unwrap(connection, result)
  }

  /** A fresh session for the agent, caught up with its stream; `replay` tells the client all of it. */
  async function open(id: string, client: AgentContext, replay: boolean): Promise<AcpSession> {
    const session = new AcpSession(await agentNamed(id), client, io, command)
    await session.catchUp(replay)
    sessions.set(id, session)
    return session
  }

  const app = agent({ name: "iterate" })
    .onRequest("initialize", () => ({
      protocolVersion: PROTOCOL_VERSION,
      agentCapabilities: {
        loadSession: true,
        promptCapabilities: { image: false, audio: false, embeddedContext: true },
        sessionCapabilities: { list: {}, resume: {} },
      },
      agentInfo: { name: "iterate", title: "iterate", version: VERSION },
      authMethods: [],
    }))
    .onRequest(
      "session/new",
      answering(async ({ params, client }) => {
        const connection = await connectFor(io, command)
        const made = await newAgent(connection, { harness: options.harness, dir: params.cwd, model: options.model, permissions: options.permissions })
        sessions.set(made.id, new AcpSession(made, client, io, command))
        return { sessionId: made.id }
      }),
    )
    .onRequest(
      "session/load",
      answering(async ({ params, client }) => {
        await open(params.sessionId, client, true)
        return {}
      }),
    )
    .onRequest(
      "session/resume",
      answering(async ({ params, client }) => {
        await open(params.sessionId, client, false)
        return {}
      }),
    )
    .onRequest(
      "session/list",
      answering(async ({ params }) => {
        const connection = await connectFor(io, command)
        const { agents } = unwrap(connection, await listAgents({ client: connection.client }))
        const sessions: SessionInfo[] = agents
          .filter((a) => !params.cwd || a.directory === params.cwd)
          .map((a) => ({ sessionId: a.id, cwd: a.directory, title: `${a.name} (${a.harness})` }))
        return { sessions }
      }),
    )
    .onRequest(
      "session/prompt",
      answering(async ({ params, client, signal }) => {
        const text = promptText(params.prompt)
        if (!text) throw RequestError.invalidParams(undefined, "the prompt holds no text")
        // A client that reconnected may prompt a session it never loaded here: it goes on from now.
        const session = sessions.get(params.sessionId) ?? (await open(params.sessionId, client, false))
        // $/cancel_request cancels the turn like session/cancel; the editor going away leaves it running in the daemon.
        const cancel = new AbortController()
        signal.addEventListener("abort", () => connection.signal.aborted || cancel.abort(), { once: true })
        return { stopReason: await session.prompt(text, cancel.signal) }
      }),
    )
    .onNotification("session/cancel", async ({ params }) => {
      await sessions
        .get(params.sessionId)
        ?.cancel()
        .catch((error) => io.note(`iterate acp: cancel: ${(error as Error).message}`))
    })

  const output = new WritableStream<Uint8Array>({
    write: (chunk) => new Promise<void>((done, fail) => io.stdout.write(chunk, (error?: Error | null) => (error ? fail(error) : done()))),
  })
  const connection = app.connect(ndJsonStream(output, Bun.stdin.stream()))
  await connection.closed
}
