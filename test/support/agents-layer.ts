// One daemon's agents layer in process, for tests of the adapter and what it records: SQLite
// agent and stream stores on files in a folder (reopened by another layer on the same folder, as a
// restarted daemon would), and a scripted harness as its only harness, under the harness's own name.
import { join } from "node:path"
import { Agents, type AgentsOptions } from "../../src/agents/agents.ts"
import { LocalFleet } from "../../src/agents/fleet/fleet.ts"
import { SqliteAgentStore } from "../../src/agents/sqlite-store.ts"
import { SqliteStreamStore } from "../../src/streams/store.ts"
import type { ScriptedHarness } from "./scripted-harness.ts"

export class AgentsLayer {
  readonly store: SqliteAgentStore
  readonly streams: SqliteStreamStore
  readonly agents: Agents

  constructor(
    readonly dir: string,
    readonly harness: ScriptedHarness,
    options: Partial<AgentsOptions> = {},
  ) {
    this.store = new SqliteAgentStore(join(dir, "agents.db"))
    this.streams = new SqliteStreamStore(join(dir, "streams.db"))
    const data = join(dir, "data")
    const harnesses = { [harness.name]: () => harness }
    this.agents = new Agents({ store: this.store, fleet: new LocalFleet("node-1", this.store), logDir: join(data, "log"), dataDir: data, worktreesDir: join(data, "worktrees"), streams: this.streams, env: {}, harnesses, ...options })
  }

  start(): Promise<void> {
    return this.agents.start({ url: "http://127.0.0.1:1", roots: [], version: "test", startedAt: new Date().toISOString() })
  }

  async close(): Promise<void> {
    await this.agents.stop()
    await this.store.close()
    await this.streams.close()
  }
}
