import type { SQL } from "bun"
import { AGENT_SELECT, FIRST_EPOCH } from "../postgres-schema.ts"
import { type AgentRecord, type AgentRow, toRecord } from "../store.ts"
import type { Postgres } from "../../storage/postgres.ts"
import { StoreUnavailableError } from "../../storage/unavailable.ts"
import type { AppendFence } from "../../streams/store.ts"
import { type Fleet, type FleetMember, type NodeInfo, type NodeView, PlacementError } from "./fleet.ts"
import { underRoots } from "./node.ts"

// The nodes sharing one PostgreSQL store, and their leases on agents. Every few seconds (a third
// of the lease TTL) each node writes its heartbeat, renews the leases of the agents it runs, and
// looks for work: agents placed on it, and agents whose lease expired (their node died) in a
// directory it reaches, which it takes over with the next epoch. A node that could not renew for
// a whole TTL (the database out of its reach) stops its agents itself, before any other node may
// take them. Nodes wake each other through NOTIFY on `iterate_agents` (the payload: a node id).

const CHANNEL = "iterate_agents"
// How long `agents new --node N` waits for N to take the agent.
const PLACE_TIMEOUT_MS = 10_000
const PLACE_POLL_MS = 100

export class PostgresFleet implements Fleet {
  readonly #pg: Postgres
  readonly #sql: SQL
  #member: FleetMember | undefined
  #info: NodeInfo | undefined
  #timer: ReturnType<typeof setInterval> | undefined
  #expiry: ReturnType<typeof setTimeout> | undefined
  #unlisten: (() => Promise<void>) | undefined
  #ticking: Promise<void> | undefined
  #again = false
  #stopped = false

  constructor(
    pg: Postgres,
    readonly nodeId: string,
    private readonly leaseTtlMs: number,
  ) {
    this.#pg = pg
    this.#sql = pg.sql
  }

  async start(member: FleetMember, info: NodeInfo): Promise<void> {
    this.#member = member
    this.#info = info
    const subscription = await this.#sql.listen(CHANNEL, (payload) => payload === this.nodeId && this.#soon())
    this.#unlisten = () => subscription.unlisten()
    await this.#beat()
    // A restarted node takes back what it held, whatever its leases' state: it is the same node,
    // and the data folder's lock says its previous process is gone.
    for (const candidate of await this.#candidates(`a.node = $1`)) await this.#consider(candidate)
    this.#soon()
    await this.#ticking
    this.#timer = setInterval(() => this.#soon(), this.checkEveryMs)
  }

  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    clearTimeout(this.#expiry)
    await this.#ticking
    await this.#unlisten?.().catch(() => {})
    await this.#pg.guard(() => this.#sql`UPDATE nodes SET stopped_at = now() WHERE id = ${this.nodeId}`).catch(() => {})
  }

  async target(node: string | undefined, directory: string): Promise<string> {
    if (node === undefined || node === this.nodeId) return this.nodeId
    const found = (await this.nodes()).find((n) => n.id === node || n.url === node)
    if (!found) throw new PlacementError(`no node ${node} (see: iterate nodes)`)
    if (found.id === this.nodeId) return this.nodeId
    if (!found.alive) throw new PlacementError(`node ${found.id} is not running (its last heartbeat was at ${found.heartbeatAt})`)
    if (!underRoots(directory, found.roots)) throw new PlacementError(`node ${found.id} runs agents only under ${found.roots.join(", ")}, not in ${directory}`)
    return found.id
  }

  created(agent: { stream: string }): AppendFence {
    return { lease: agent.stream, epoch: FIRST_EPOCH }
  }

  async placed(agent: { id: string; stream: string }, node: string): Promise<void> {
    this.poke(node)
    const deadline = Date.now() + PLACE_TIMEOUT_MS
    while (Date.now() < deadline) {
      const [row] = await this.#pg.guard(
        () => this.#sql`SELECT a.refused, coalesce(l.epoch, 0) AS epoch FROM agents a LEFT JOIN leases l ON l.name = a.stream WHERE a.id = ${agent.id}`,
      )
      if (!row) throw new PlacementError(`the agent was removed before node ${node} took it`)
      if (row.refused) throw new PlacementError(`node ${node} cannot run it: ${row.refused}`)
      if (Number(row.epoch) > 0) return
      await Bun.sleep(PLACE_POLL_MS)
    }
    throw new PlacementError(`node ${node} did not take the agent within ${PLACE_TIMEOUT_MS / 1000} s`)
  }

  poke(node: string): void {
    this.#pg.guard(() => this.#sql`SELECT pg_notify(${CHANNEL}, ${node})`).catch(() => {})
  }

  async restored(agent: AgentRecord): Promise<void> {
    await this.#take(agent)
  }

  nodes(): Promise<NodeView[]> {
    return this.#pg.guard(async () => {
      const rows = await this.#sql`
        SELECT n.*, n.stopped_at IS NULL AND n.heartbeat_at + n.lease_ttl_ms * interval '1 millisecond' > now() AS alive,
               array(SELECT a.id FROM agents a WHERE a.node = n.id AND a.lease_expires_at >= now() AND a.archived_at IS NULL ORDER BY a.created_at, a.id) AS agents
        FROM nodes n ORDER BY n.started_at, n.id`
      return rows.map(
        (row: { id: string; url: string; roots: string; version: string; started_at: string; heartbeat_at: Date; alive: boolean; agents: string[] }) => ({
          id: row.id,
          url: row.url,
          roots: JSON.parse(row.roots) as string[],
          version: row.version,
          startedAt: row.started_at,
          heartbeatAt: row.heartbeat_at.toISOString(),
          alive: row.alive,
          agents: row.agents,
          self: row.id === this.nodeId,
        }),
      )
    })
  }

  get checkEveryMs(): number {
    return this.leaseTtlMs / 3
  }

  gone(): Promise<string[]> {
    return this.#pg.guard(async () => {
      const rows = await this.#sql`SELECT id FROM nodes WHERE id != ${this.nodeId} AND heartbeat_at + lease_ttl_ms * interval '1 millisecond' < now() ORDER BY id`
      return rows.map((row: { id: string }) => row.id)
    })
  }

  /** A tick now, or right after the one under way. */
  #soon(): void {
    this.#again = true
    this.#ticking ??= (async () => {
      while (this.#again && !this.#stopped) {
        this.#again = false
        try {
          await this.#tick()
        } catch (error) {
          // The database is away (logged by the guard) or the query failed: the next tick tries again.
          if (!this.#stopped && !(error instanceof StoreUnavailableError)) console.error(`fleet: ${(error as Error).message}`)
        }
      }
      this.#ticking = undefined
    })()
  }

  async #tick(): Promise<void> {
    const member = this.#member!
    const running = member.running()
    const held = await this.#beat(running)
    for (const id of running) if (!held.has(id)) member.lost(id, "another node holds it now, or it was removed or archived")
    // Placed on this node and not taken yet, or left by a node that stopped renewing.
    for (const candidate of await this.#candidates(`(a.node = $1 AND coalesce(l.epoch, 0) = 0) OR a.lease_expires_at < now()`)) {
      if (this.#stopped) return
      await this.#consider(candidate)
    }
  }

  /**
   * Runs the agent here when this node can: its directory is under the roots and the agents layer
   * has nothing against it. One placed here that it cannot run is refused, with the reason; one
   * that is not left to expire (then it shows orphaned, or another node takes it).
   */
  async #consider(candidate: AgentRecord & { epoch: number }): Promise<void> {
    const roots = this.#info!.roots
    const problem = underRoots(candidate.directory, roots) ? this.#member!.refusal(candidate) : `${candidate.directory} is not under its roots (${roots.join(", ")})`
    if (problem === undefined) return this.#take(candidate)
    if (candidate.node === this.nodeId && candidate.epoch === 0)
      await this.#pg.guard(() => this.#sql`UPDATE agents SET refused = ${problem} WHERE id = ${candidate.id} AND node = ${this.nodeId}`)
  }

  /**
   * The heartbeat, and the renewal of the leases of `running` (those still this node's come back).
   * A success keeps this node's own view of its leases valid for one TTL from when it was sent.
   */
  async #beat(running: string[] = []): Promise<Set<string>> {
    const sent = performance.now()
    const info = this.#info!
    const renewed = await this.#pg.guard(() =>
      this.#sql.begin(async (tx) => {
        await tx`INSERT INTO nodes (id, url, roots, version, lease_ttl_ms, started_at, heartbeat_at)
                 VALUES (${info.id}, ${info.url}, ${JSON.stringify(info.roots)}, ${info.version}, ${this.leaseTtlMs}, ${info.startedAt}, now())
                 ON CONFLICT (id) DO UPDATE SET url = excluded.url, roots = excluded.roots, version = excluded.version,
                   lease_ttl_ms = excluded.lease_ttl_ms, started_at = excluded.started_at, heartbeat_at = now(), stopped_at = NULL`
        if (running.length === 0) return []
        return tx`UPDATE agents SET lease_expires_at = now() + ${this.leaseTtlMs}::int * interval '1 millisecond'
                  WHERE node = ${this.nodeId} AND id = ANY(${running}::text[]) AND archived_at IS NULL RETURNING id`
      }),
    )
    clearTimeout(this.#expiry)
    this.#expiry = setTimeout(() => this.#expire(), Math.max(0, sent + this.leaseTtlMs - performance.now()))
    return new Set(renewed.map((row: { id: string }) => row.id))
  }

  /** No renewal got through for a whole TTL: others may take this node's agents now, so it stops them first. */
  #expire(): void {
    if (this.#stopped) return
    for (const id of this.#member!.running()) this.#member!.lost(id, `its lease could not be renewed for ${this.leaseTtlMs / 1000} s`)
  }

  async #candidates(where: string): Promise<Array<AgentRecord & { epoch: number }>> {
    const running = new Set(this.#member!.running())
    const rows = await this.#pg.guard(() =>
      this.#sql.unsafe(
        `${AGENT_SELECT.replace("FROM agents a", ", coalesce(l.epoch, 0) AS epoch FROM agents a LEFT JOIN leases l ON l.name = a.stream")}
         WHERE a.refused IS NULL AND a.archived_at IS NULL AND (${where}) ORDER BY a.created_at, a.id`,
        [this.nodeId],
      ),
    )
    return rows.map((row: AgentRow & { epoch: string }) => ({ ...toRecord(row), epoch: Number(row.epoch) })).filter((agent: AgentRecord) => !running.has(agent.id))
  }

  /**
   * Takes the agent's lease with the next epoch, if it is still this node's or expired, in one
   * transaction (the epoch's update waits for fenced appends in flight), then runs it here.
   */
  async #take(agent: AgentRecord): Promise<void> {
    const epoch = await this.#pg.guard(() =>
      this.#sql.begin(async (tx) => {
        const [taken] = await tx`UPDATE agents SET node = ${this.nodeId}, lease_expires_at = now() + ${this.leaseTtlMs}::int * interval '1 millisecond', refused = NULL
                                 WHERE id = ${agent.id} AND (node = ${this.nodeId} OR lease_expires_at < now()) RETURNING id`
        if (!taken) return undefined
        const [lease] = await tx`INSERT INTO leases (name, epoch) VALUES (${agent.stream}, ${FIRST_EPOCH})
                                 ON CONFLICT (name) DO UPDATE SET epoch = leases.epoch + 1 RETURNING epoch`
        return Number(lease.epoch)
      }),
    )
    if (epoch === undefined || this.#stopped) return
    const from = agent.node !== undefined && agent.node !== this.nodeId ? agent.node : undefined
    this.#member!.run({ ...agent, node: this.nodeId, leaseExpired: false }, { lease: agent.stream, epoch }, from)
  }
}
