import { readSse } from "../../../src/sse/read.ts"
import { type DaemonRecord, type Sandbox } from "../../support/sandbox.ts"
import { isAlive, waitFor } from "../../support/wait.ts"

// Helpers for the protocol tests: a daemon that can be killed and started again in the same
// sandbox (new port, new token, same data), and a client that follows it.

export async function startDaemon(sandbox: Sandbox): Promise<DaemonRecord> {
  const start = await sandbox.run(["server", "start"])
  if (start.code !== 0) throw new Error(`server start failed: ${start.stderr}`)
  return sandbox.record()!
}

export async function killDaemon(sandbox: Sandbox): Promise<void> {
  const { pid } = sandbox.record()!
  process.kill(pid, "SIGKILL")
  await waitFor("the daemon to die", () => !isAlive(pid), { timeoutMs: 5_000 })
}

/** Creates a JSON stream. */
export async function createJsonStream(sandbox: Sandbox, name: string): Promise<void> {
  const response = await sandbox.api(`/v1/stream/${name}`, { method: "PUT", headers: { "content-type": "application/json" } })
  if (response.status !== 201) throw new Error(`PUT ${name}: ${response.status}`)
}

/** Every message of a JSON stream, following Stream-Next-Offset until up to date. */
export async function readAll<T>(sandbox: Sandbox, name: string): Promise<T[]> {
  const all: T[] = []
  let offset = "-1"
  for (;;) {
    const response = await sandbox.api(`/v1/stream/${name}?offset=${offset}`)
    if (response.status !== 200) throw new Error(`GET ${name}: ${response.status}`)
    all.push(...((await response.json()) as T[]))
    offset = response.headers.get("Stream-Next-Offset")!
    if (response.headers.get("Stream-Up-To-Date") === "true") return all
  }
}

export interface SseBatch {
  messages: unknown[]
  control: { streamNextOffset: string; upToDate?: boolean; streamClosed?: boolean; streamCursor?: string }
}

/** The data/control pairs of a live=sse read of a JSON stream, until the response ends. */
export async function* sseBatches(response: Response): AsyncGenerator<SseBatch> {
  let messages: unknown[] = []
  for await (const event of readSse(response.body!)) {
    if (event.event === "data") messages = JSON.parse(event.data) as unknown[]
    else if (event.event === "control") {
      yield { messages, control: JSON.parse(event.data) as SseBatch["control"] }
      messages = []
    }
  }
}
