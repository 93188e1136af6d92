// The slice of `opencode serve`'s HTTP API (OpenAPI at GET /doc) the harness drives.
// Every route, /global/health included, needs HTTP Basic auth once OPENCODE_SERVER_PASSWORD is
// set; the username is OPENCODE_SERVER_USERNAME, "opencode" by default.
import type { OpencodeEvent } from "./events.ts"
import { readSse } from "../../sse/read.ts"

export interface Credentials {
  username: string
  password: string
}

/** 256 random bits, URL-safe, so it survives env vars, argv and Basic auth unchanged. */
export function generatePassword(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")
}

export interface OpencodeSession {
  id: string
  directory: string
  title: string
  [key: string]: unknown
}

export interface PromptInput {
  text: string
  /** `provider/model`, e.g. `anthropic/claude-sonnet-4-5`; the project's default model when absent. */
  model?: string
  /** An opencode agent such as `build` or `plan`; opencode's default agent when absent. */
  agent?: string
}

/** opencode's permission rules: the last rule that matches a tool call's permission and pattern decides. */
export type PermissionRule = { permission: string; pattern: string; action: "allow" | "ask" | "deny" }

/** An event of `/global/event`: a directory's native event (as `/event?directory=` has it) with where it happened. */
export interface GlobalEvent {
  /** the directory of the instance that sent it; "global" or absent for server-wide events */
  directory?: string
  payload: OpencodeEvent
}

export class OpencodeApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message)
  }
}

/** How long a plain API call may take; the event stream has no limit. */
const CALL_TIMEOUT_MS = 30_000

/**
 * One `opencode serve` serves any number of directories: each call names the one it is about
 * (`?directory=`), and opencode loads that directory's project (its opencode.json) on first use.
 */
export class OpencodeClient {
  private readonly authorization: string

  /** `fetch` is the connection pool to use (a Bun.FetchSession's); the process-wide one by default. */
  constructor(
    readonly url: string,
    credentials: Credentials,
    private readonly fetch: typeof globalThis.fetch = globalThis.fetch,
  ) {
    this.authorization = `Basic ${btoa(`${credentials.username}:${credentials.password}`)}`
  }

  async health(timeoutMs = 2_000): Promise<{ healthy: boolean; version: string }> {
    return (await this.call("GET", "/global/health", undefined, undefined, timeoutMs)).json()
  }

  async createSession(directory: string, options: { title?: string; permission?: PermissionRule[] } = {}): Promise<OpencodeSession> {
    return (await this.call("POST", "/session", directory, options)).json()
  }

  /** Replaces the session's own permission rules (they come after the project's, so they win). */
  async setPermissions(directory: string, sessionId: string, permission: PermissionRule[]): Promise<void> {
    await this.call("PATCH", `/session/${encodeURIComponent(sessionId)}`, directory, { permission })
  }

  /** Starts a turn and returns once opencode accepted it; the reply comes on the event stream. */
  async prompt(directory: string, sessionId: string, input: PromptInput): Promise<void> {
    await this.call("POST", `/session/${encodeURIComponent(sessionId)}/prompt_async`, directory, {
      parts: [{ type: "text", text: input.text }],
      ...(input.model && { model: parseModel(input.model) }),
      ...(input.agent && { agent: input.agent }),
    })
  }

  /** Stops the session's current turn; false when there was none. */
  async abort(directory: string, sessionId: string): Promise<boolean> {
    return (await this.call("POST", `/session/${encodeURIComponent(sessionId)}/abort`, directory)).json()
  }

  /** Answers a `permission.asked`; `message` goes to the model with a rejection. */
  async replyPermission(directory: string, requestId: string, reply: "once" | "always" | "reject", message?: string): Promise<void> {
    await this.call("POST", `/permission/${encodeURIComponent(requestId)}/reply`, directory, { reply, ...(message && { message }) })
  }

  /** Unloads the directory's project (config, plugins, watchers); the next call about it loads it again. */
  async dispose(directory: string): Promise<void> {
    await this.call("POST", "/instance/dispose", directory)
  }

  /**
   * The native events of every directory this server serves, for as long as the connection
   * lasts; aborting `signal` ends it quietly. opencode repeats each session change as a `sync`
   * event for its replication; those are left out.
   */
  async *events(signal: AbortSignal): AsyncGenerator<GlobalEvent> {
    let response: Response
    try {
      response = await this.fetch(`${this.url}/global/event`, {
        headers: { authorization: this.authorization, accept: "text/event-stream" },
        signal,
      })
    } catch (error) {
      if (signal.aborted) return
      throw error
    }
    if (!response.ok || !response.body) throw await apiError("GET", "/global/event", response)
    try {
      for await (const { data } of readSse(response.body)) {
        const event = JSON.parse(data) as GlobalEvent
        if (event.payload?.type !== "sync") yield event
      }
    } catch (error) {
      if (!signal.aborted) throw error
    }
  }

  private async call(method: string, path: string, directory?: string, body?: unknown, timeoutMs = CALL_TIMEOUT_MS): Promise<Response> {
    const url = `${this.url}${path}${directory === undefined ? "" : `?directory=${encodeURIComponent(directory)}`}`
    const response = await this.fetch(url, {
      method,
      headers: {
        authorization: this.authorization,
        ...(body !== undefined && { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    })
    if (!response.ok) throw await apiError(method, path, response)
    return response
  }
}

/** `provider/model` → opencode's ids; the model id may itself contain slashes (`openrouter/x/y`). */
export function parseModel(model: string): { providerID: string; modelID: string } {
  const slash = model.indexOf("/")
  if (slash <= 0 || slash === model.length - 1)
    throw new OpencodeApiError(`model "${model}" is not in the form provider/model`)
  return { providerID: model.slice(0, slash), modelID: model.slice(slash + 1) }
}

async function apiError(method: string, path: string, response: Response): Promise<OpencodeApiError> {
  const text = await response.text().catch(() => "")
  let detail = text.trim()
  try {
    const body = JSON.parse(text)
    detail = body?.data?.message ?? body?.error?.message ?? body?.message ?? (typeof body?.error === "string" ? body.error : detail)
  } catch {
    // not JSON: the raw text is the best detail there is
  }
  const reason = response.status === 401 ? "unauthorized (wrong or missing OPENCODE_SERVER_PASSWORD)" : detail
  return new OpencodeApiError(
    `opencode ${method} ${path} failed with ${response.status}${reason ? `: ${String(reason).split("\n")[0]}` : ""}`,
    response.status,
  )
}
