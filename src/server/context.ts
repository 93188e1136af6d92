import type { Agents } from "../agents/agents.ts"
import type { Batches } from "../agents/batch/batches.ts"
import type { StreamStore } from "../streams/store.ts"
import type { Subscriptions } from "../streams/subscriptions/manager.ts"
import type { WebState } from "./web/state.ts"

/** What routes need from the running daemon. */
export interface DaemonContext {
  store: StreamStore
  subscriptions: Subscriptions
  agents: Agents
  /** batches of tasks, each task an agent of its own */
  batches: Batches
  /** the web UI's sessions and settings */
  web: WebState
  version: string
  instanceId: string
  pid: number
  startedAt: Date
  url: () => string
  longPollTimeoutMs: number
  /** lifts Bun's idle timeout for a request that waits for data */
  keepOpen: (request: Request) => void
  /** aborted when shutdown begins, so live reads end instead of holding the daemon open */
  closing: AbortSignal
  /** begins a graceful shutdown after the current response is sent */
  shutdown: () => void
}
