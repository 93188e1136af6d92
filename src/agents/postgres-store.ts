import { SQL } from "bun"
import type { HarnessResume } from "../harness/harness.ts"
import type { PermissionPolicy, TurnStatus } from "../protocol/agent-events.ts"
import { migratePostgres, type Postgres } from "../storage/postgres.ts"
import { PostgresArchive } from "./archive/postgres.ts"
import { AGENT_MIGRATIONS, AGENT_SELECT, FIRST_EPOCH } from "./postgres-schema.ts"
import { PostgresUsageLedger } from "./usage/postgres.ts"
import {
  type AgentRecord,
  type AgentRow,
  type AgentWorktree,
  type AgentStore,
  NameTakenError,
  type NewAgentRecord,
  type NewPermission,
  type ImportedAgentRecord,
  type ImportRecord,
  type ImportRow,
  type PermissionAnswerRecord,
  type PermissionRecord,
  type PermissionRow,
  type PermissionState,
  type SettledReply,
  toImport,
  toPermission,
  toRecord,
} from "./store.ts"

/**
 * The agents' records in the PostgreSQL database the fleet shares. This node's id scopes its
 * harness processes and its progress writes: those apply only while the agent is this node's.
 */
export class PostgresAgentStore implements AgentStore {
  readonly #pg: Postgres
  readonly #sql: SQL
  readonly index: PostgresArchive

  private constructor(
    pg: Postgres,
    private readonly node: string,
    private readonly leaseTtlMs: number,
    readonly usage: PostgresUsageLedger,
  ) {
    this.#pg = pg
    this.#sql = pg.sql
    this.index = new PostgresArchive(pg)
  }

  /** Migrates the schema (after the stream store's, whose `leases` table it uses). */
  static async open(pg: Postgres, node: string, leaseTtlMs: number): Promise<PostgresAgentStore> {
    await migratePostgres(pg, "agents", AGENT_MIGRATIONS)
    return new PostgresAgentStore(pg, node, leaseTtlMs, await PostgresUsageLedger.open(pg, node))
  }

  list(): Promise<AgentRecord[]> {
    return this.#read(`${AGENT_SELECT} ORDER BY a.created_at, a.id`, [])
  }

  async find(ref: string): Promise<AgentRecord | undefined> {
    const [agent] = await this.#read(`${AGENT_SELECT} WHERE a.id = $1 OR a.name = $1 ORDER BY a.id = $1 DESC LIMIT 1`, [ref])
    return agent
  }

  /** Records the agent with its lease: taken (epoch 1) when it is for this node, else left for its node to take. */
  async insert(agent: NewAgentRecord): Promise<AgentRecord> {
    const { id, name, harness, directory, model, stream, createdAt, permissions, worktree } = agent
    const node = agent.node ?? this.node
    try {
      await this.#pg.guard(() =>
        this.#sql.begin(async (tx) => {
          await tx`INSERT INTO agents (id, name, harness, directory, model, stream, created_at, permissions, worktree, node, lease_expires_at)
                   VALUES (${id}, ${name}, ${harness}, ${directory}, ${model ?? null}, ${stream}, ${createdAt}, ${permissions},
                           ${worktree ? JSON.stringify(worktree) : null}, ${node},
                           now() + ${this.leaseTtlMs}::int * interval '1 millisecond')`
          await tx`INSERT INTO leases (name, epoch) VALUES (${stream}, ${node === this.node ? FIRST_EPOCH : 0})
                   ON CONFLICT (name) DO UPDATE SET epoch = excluded.epoch`
        }),
      )
    } catch (error) {
      if (error instanceof SQL.PostgresError && error.errno === "23505") throw new NameTakenError(`an agent named ${name} exists already`)
      throw error
    }
    return (await this.find(id))!
  }

  async remove(id: string): Promise<void> {
    await this.#pg.guard(() =>
      this.#sql.begin(async (tx) => {
        const [row] = await tx`DELETE FROM agents WHERE id = ${id} RETURNING stream`
        // Its holder's next fenced append finds no lease: it stops.
        if (row) await tx`DELETE FROM leases WHERE name = ${row.stream}`
      }),
    )
  }

  /** The next epoch fences off the node that held it, which finds the agent gone from its renewals and stops it. */
  async archive(id: string, at: string): Promise<void> {
    await this.#pg.guard(() =>
      this.#sql.begin(async (tx) => {
        const [row] = await tx`UPDATE agents SET archived_at = ${at} WHERE id = ${id} RETURNING stream`
        if (row) await tx`UPDATE leases SET epoch = epoch + 1 WHERE name = ${row.stream}`
      }),
    )
  }

  /** Its lease lapsed while it was archived; the node that restores it takes it like an orphan's (Fleet.restored). */
  async unarchive(id: string): Promise<void> {
    await this.#write(() => this.#sql`UPDATE agents SET archived_at = NULL, refused = NULL, lease_expires_at = now() - interval '1 millisecond' WHERE id = ${id}`)
  }

  async setProgress(id: string, progress: { status: TurnStatus; error?: string; consumed?: string }): Promise<void> {
    const { status, error, consumed } = progress
    await this.#write(
      () => this.#sql`UPDATE agents SET status = ${status}, error = ${error ?? null}, consumed = coalesce(${consumed ?? null}, consumed)
                      WHERE id = ${id} AND node = ${this.node}`,
    )
  }

  async setConsumed(id: string, offset: string): Promise<void> {
    await this.#write(() => this.#sql`UPDATE agents SET consumed = ${offset} WHERE id = ${id} AND node = ${this.node}`)
  }

  async setResume(id: string, resume: HarnessResume): Promise<void> {
    await this.#write(() => this.#sql`UPDATE agents SET resume = ${JSON.stringify(resume)} WHERE id = ${id} AND node = ${this.node}`)
  }

  /** From any node: the one running the agent reads it before its next decision. */
  async setPolicy(id: string, policy: PermissionPolicy): Promise<void> {
    await this.#write(() => this.#sql`UPDATE agents SET permissions = ${policy} WHERE id = ${id}`)
  }

  async setAllowedTools(id: string, tools: string[]): Promise<void> {
    await this.#write(() => this.#sql`UPDATE agents SET allowed_tools = ${JSON.stringify(tools)} WHERE id = ${id} AND node = ${this.node}`)
  }

  async setWorktree(id: string, worktree: AgentWorktree): Promise<void> {
    await this.#write(() => this.#sql`UPDATE agents SET worktree = ${JSON.stringify(worktree)} WHERE id = ${id} AND node = ${this.node}`)
  }

  processes(): Promise<Array<{ pid: number; harness: string }>> {
    return this.#pg.guard(async () => [...(await this.#sql`SELECT pid, harness FROM harness_processes WHERE node = ${this.node}`)])
  }

  async addProcess(pid: number, harness: string): Promise<void> {
    await this.#write(
      () => this.#sql`INSERT INTO harness_processes (node, pid, harness) VALUES (${this.node}, ${pid}, ${harness})
                      ON CONFLICT (node, pid) DO UPDATE SET harness = excluded.harness`,
    )
  }

  async removeProcess(pid: number): Promise<void> {
    await this.#write(() => this.#sql`DELETE FROM harness_processes WHERE node = ${this.node} AND pid = ${pid}`)
  }

  async addPermission(p: NewPermission): Promise<void> {
    await this.#write(
      () => this.#sql`INSERT INTO permissions (id, agent_id, tool, kind, summary, request, match_key, created_at)
                      VALUES (${p.id}, ${p.agentId}, ${p.tool}, ${p.kind}, ${p.summary}, ${JSON.stringify(p.request ?? null)}, ${p.key}, ${p.createdAt})`,
    )
  }

  async permission(id: string): Promise<PermissionRecord | undefined> {
    const [permission] = await this.#permissions(() => this.#sql`SELECT * FROM permissions WHERE id = ${id}`)
    return permission
  }

  openPermissions(agentId: string): Promise<PermissionRecord[]> {
    return this.#permissions(() => this.#sql`SELECT * FROM permissions WHERE agent_id = ${agentId} AND state IN ('pending', 'held') ORDER BY seq`)
  }

  pendingPermissions(): Promise<PermissionRecord[]> {
    return this.#permissions(() => this.#sql`SELECT * FROM permissions WHERE state = 'pending' ORDER BY seq`)
  }

  async settlePermission(id: string, state: PermissionState, answer: PermissionAnswerRecord = {}): Promise<void> {
    await this.#write(() => settle(this.#sql, id, state, answer))
  }

  async settleReply(agentId: string, reply: SettledReply): Promise<void> {
    await this.#write(() =>
      this.#sql.begin(async (tx) => {
        await settle(tx, reply.permission, reply.state, reply.answer)
        const tools = reply.allowedTools ? JSON.stringify(reply.allowedTools) : null
        await tx`UPDATE agents SET consumed = ${reply.consumed}, allowed_tools = coalesce(${tools}, allowed_tools) WHERE id = ${agentId} AND node = ${this.node}`
      }),
    )
  }

  async lapseHeld(agentId: string): Promise<void> {
    await this.#write(() => this.#sql`UPDATE permissions SET state = 'answered' WHERE agent_id = ${agentId} AND state = 'held'`)
  }

  imports(harness: string): Promise<ImportRecord[]> {
    return this.#pg.guard(async () => (await this.#sql`SELECT * FROM imports WHERE harness = ${harness}`).map((row: ImportRow) => toImport(row)))
  }

  /**
   * Each agent with its lease, taken by this node, as insert() records one. In a few statements
   * for all of them (a batch is many agents): one whose name, id or session is taken meanwhile is
   * left out (and its agent row removed again).
   */
  recordImports(agents: ImportedAgentRecord[], moved: ImportRecord[]): Promise<boolean[]> {
    return this.#pg.guard(() =>
      this.#sql.begin(async (tx) => {
        const kept = new Set<string>()
        if (agents.length > 0) {
          const rows = agents.map(({ agent: a, ...imported }) => ({
            id: a.id,
            name: a.name,
            harness: a.harness,
            directory: a.directory,
            model: a.model ?? null,
            stream: a.stream,
            created_at: a.createdAt,
            permissions: a.permissions,
            status: imported.status,
            error: imported.error ?? null,
            consumed: imported.consumed,
            resume: JSON.stringify(imported.resume),
            node: this.node,
          }))
          const inserted = await tx`INSERT INTO agents ${tx(rows)} ON CONFLICT DO NOTHING RETURNING id`
          const ids = new Set<string>(inserted.map((row: { id: string }) => row.id))
          const imports = agents
            .filter((a) => ids.has(a.agent.id))
            .map(({ import: r }) => ({
              harness: r.harness,
              session_id: r.sessionId,
              agent_id: r.agentId,
              location: r.location,
              cursor: r.cursor,
              stream_offset: r.offset,
              imported_at: r.importedAt,
            }))
          if (imports.length > 0)
            for (const row of await tx`INSERT INTO imports ${tx(imports)} ON CONFLICT DO NOTHING RETURNING agent_id`) kept.add((row as { agent_id: string }).agent_id)
          const orphans = [...ids].filter((id) => !kept.has(id))
          if (orphans.length > 0) await tx`DELETE FROM agents WHERE id = ANY(${orphans}::text[])`
          const leases = agents.filter((a) => kept.has(a.agent.id)).map((a) => ({ name: a.agent.stream, epoch: FIRST_EPOCH }))
          if (leases.length > 0) {
            await tx`INSERT INTO leases ${tx(leases)} ON CONFLICT (name) DO UPDATE SET epoch = excluded.epoch`
            await tx`UPDATE agents SET lease_expires_at = now() + ${this.leaseTtlMs}::int * interval '1 millisecond' WHERE id = ANY(${[...kept]}::text[])`
          }
        }
        if (moved.length > 0) {
          const column = (pick: (r: ImportRecord) => string) => moved.map(pick)
          await tx`UPDATE imports i SET location = v.location, cursor = v.cursor, stream_offset = v.stream_offset, imported_at = v.imported_at
                   FROM unnest(${column((r) => r.harness)}::text[], ${column((r) => r.sessionId)}::text[], ${column((r) => r.location)}::text[],
                               ${column((r) => r.cursor)}::text[], ${column((r) => r.offset)}::text[], ${column((r) => r.importedAt)}::text[])
                        AS v(harness, session_id, location, cursor, stream_offset, imported_at)
                   WHERE i.harness = v.harness AND i.session_id = v.session_id`
        }
        return agents.map((a) => kept.has(a.agent.id))
      }),
    )
  }

  /** The connection is the bundle's (src/server/stores.ts) to close. */
  async close(): Promise<void> {}

  #read(query: string, params: unknown[]): Promise<AgentRecord[]> {
    return this.#pg.guard(async () => (await this.#sql.unsafe(query, params)).map((row: AgentRow) => toRecord(row)))
  }

  #permissions(query: () => Promise<PermissionRow[]>): Promise<PermissionRecord[]> {
    return this.#pg.guard(async () => (await query()).map(toPermission))
  }

  async #write(statement: () => Promise<unknown>): Promise<void> {
    await this.#pg.guard(statement)
  }
}

function settle(sql: SQL, id: string, state: PermissionState, answer: PermissionAnswerRecord): Promise<unknown> {
  return sql`UPDATE permissions SET state = ${state}, decision = coalesce(${answer.decision ?? null}, decision), message = coalesce(${answer.message ?? null}, message)
             WHERE id = ${id}`
}
