// An editor's side of ACP for the tests: the published ACP TypeScript library's client, speaking
// to `dist/iterate acp` over the child's stdin and stdout. It keeps every session/update it is
// sent and every raw line of the child's stdout (to check nothing but the protocol is written
// there), and answers permission requests the way the test says.
import {
  type ClientConnection,
  client,
  ndJsonStream,
  type RequestPermissionRequest,
  type RequestPermissionResponse,
  type SessionNotification,
  type SessionUpdate,
} from "@agentclientprotocol/sdk"
import { BINARY, type Sandbox } from "./sandbox.ts"

export type PermissionAnswer = (request: RequestPermissionRequest, signal: AbortSignal) => Promise<RequestPermissionResponse>

export interface AcpClient {
  connection: ClientConnection
  /** every session/update, in order */
  updates: SessionNotification[]
  /** every permission request, in order */
  permissionRequests: RequestPermissionRequest[]
  /** how the next permission requests are answered (default: cancelled) */
  answer: PermissionAnswer
  /** the child's stdout as it came */
  stdout(): string
  stderr(): string
  /** closes stdin (the editor going away) and waits for the exit code */
  close(): Promise<number>
}

export function startAcp(sandbox: Sandbox, args: string[] = []): AcpClient {
  const child = Bun.spawn([BINARY, "acp", ...args], { env: sandbox.env, cwd: sandbox.dir, stdin: "pipe", stdout: "pipe", stderr: "pipe" })
  sandbox.track(child.pid)
  let raw = ""
  const decoder = new TextDecoder()
  const stdout = child.stdout.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        raw += decoder.decode(chunk, { stream: true })
        controller.enqueue(chunk)
      },
    }),
  )
  let errors = ""
  void (async () => {
    const text = new TextDecoder()
    for await (const chunk of child.stderr) errors += text.decode(chunk, { stream: true })
  })()
  const input = new WritableStream<Uint8Array>({
    write(chunk) {
      child.stdin.write(chunk)
      child.stdin.flush()
    },
    close() {
      child.stdin.end()
    },
  })
  const app = client({ name: "iterate-tests" })
    .onNotification("session/update", ({ params }) => {
      acp.updates.push(params)
    })
    .onRequest("session/request_permission", ({ params, signal }) => {
      acp.permissionRequests.push(params)
      return acp.answer(params, signal)
    })
  const acp: AcpClient = {
    connection: app.connect(ndJsonStream(input, stdout)),
    updates: [],
    permissionRequests: [],
    answer: async () => ({ outcome: { outcome: "cancelled" } }),
    stdout: () => raw,
    stderr: () => errors,
    close: async () => {
      acp.connection.close()
      child.stdin.end()
      return child.exited
    },
  }
  return acp
}

/** The updates of one kind, from `from` on. */
export function updatesOf<K extends SessionUpdate["sessionUpdate"]>(updates: SessionNotification[], kind: K, from = 0): Array<Extract<SessionUpdate, { sessionUpdate: K }>> {
  return updates.slice(from).flatMap((n) => (n.update.sessionUpdate === kind ? [n.update as Extract<SessionUpdate, { sessionUpdate: K }>] : []))
}

/** The text of the chunks of one kind (agent_message_chunk, agent_thought_chunk, user_message_chunk), joined. */
export function chunkText(updates: SessionNotification[], kind: "agent_message_chunk" | "agent_thought_chunk" | "user_message_chunk", from = 0): string {
  return updatesOf(updates, kind, from)
    .map((u) => (u.content.type === "text" ? u.content.text : ""))
    .join("")
}

/** Each tool call as the editor sees it after all its updates: the tool_call with its tool_call_updates merged in. */
export function toolCalls(updates: SessionUpdate[]): Array<Partial<Extract<SessionUpdate, { sessionUpdate: "tool_call" }>>> {
  const calls = new Map<string, Record<string, unknown>>()
  for (const u of updates) {
    if (u.sessionUpdate === "tool_call") calls.set(u.toolCallId, { ...u })
    else if (u.sessionUpdate === "tool_call_update") Object.assign(calls.get(u.toolCallId)!, u)
  }
  return [...calls.values()]
}

/** The tool calls of the notifications from `from` on, each with its updates merged in (how a batch split them depends on timing). */
export const callsSince = (updates: SessionNotification[], from = 0) => toolCalls(updates.slice(from).map((n) => n.update))
