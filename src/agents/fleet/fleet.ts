// The nodes that run agents, and which node runs which agent. A daemon on SQLite is a fleet of one
// (LocalFleet): it runs every agent, with nothing to lease. Nodes sharing a PostgreSQL store
// (PostgresFleet) each hold a lease per agent they run (node, epoch, expiry), renewed with their
// heartbeat; every harness append carries the epoch (AppendFence), and a node adopts the agents
// whose lease expired when it can reach their directory.
import type { AgentRecord, AgentStore } from "../store.ts"
import type { AppendFence } from "../../streams/store.ts"

/** What a node tells the others about itself. */
export interface NodeInfo {
  id: string
  /** where clients reach it: --public-url, else the address it listens on */
  url: string
  /** the folders under which it runs agents */
  roots: string[]
  version: string
  startedAt: string
}

export interface NodeView extends NodeInfo {
  heartbeatAt: string
  /** its heartbeat is recent and it did not stop */
  alive: boolean
  /** ids of the agents whose lease it holds */
  agents: string[]
  /** the node that answered */
  self: boolean
}

/** How the fleet has the agents layer run agents here, and stop them. */
export interface FleetMember {
  /** Runs the agent here from now on; `from` is the node that ran it before, when another. */
  run(agent: AgentRecord, fence: AppendFence | undefined, from?: string): void
  /** This node no longer holds the agent (another took it over, or it was removed): stop its harness at once. */
  lost(agentId: string, reason: string): void
  /** ids of the agents running here now */
  running(): string[]
  /** why this node cannot run the agent (no such harness, no such directory), or undefined */
  refusal(agent: AgentRecord): string | undefined
}

/** The fleet refuses to place an agent: an unknown or dead node, a directory it does not serve. */
export class PlacementError extends Error {}

export interface Fleet {
  /** this node's id */
  readonly nodeId: string
  /** Announces this node and runs the agents it holds (and those it adopts from now on). */
  start(member: FleetMember, info: NodeInfo): Promise<void>
  /** Stops heart-beating; the leases stay until they expire, so a restart within the TTL keeps its agents. */
  stop(): Promise<void>
  /** The node (by id or URL; this one when undefined) a new agent in `directory` goes to; PlacementError when it cannot. */
  target(node: string | undefined, directory: string): Promise<string>
  /** The fence of an agent just recorded for this node. */
  created(agent: Pick<AgentRecord, "id" | "stream">): AppendFence | undefined
  /** Waits until the other node an agent was recorded for runs it; PlacementError when it refuses or does not answer. */
  placed(agent: Pick<AgentRecord, "id" | "stream">, node: string): Promise<void>
  /** Has the node check its leases now (an agent of its was removed or archived elsewhere). */
  poke(node: string): void
  /** Runs an agent just brought back from the archive here; `member.refusal` said nothing against it. */
  restored(agent: AgentRecord): Promise<void>
  nodes(): Promise<NodeView[]>
  /** How often this node looks for work the others left (a third of the lease TTL); undefined when it is the only node. */
  readonly checkEveryMs: number | undefined
  /**
   * The nodes whose heartbeat is older than their lease TTL (killed, cut off, or stopped and not
   * back in time): their agents' leases have expired, and the rest of their work may be taken over.
   */
  gone(): Promise<string[]>
}

/** One daemon with its own SQLite store: it runs every agent, and no lease is needed. */
export class LocalFleet implements Fleet {
  readonly checkEveryMs = undefined
  #info: NodeInfo | undefined
  #member: FleetMember | undefined

  constructor(
    readonly nodeId: string,
    private readonly store: AgentStore,
  ) {}

  async start(member: FleetMember, info: NodeInfo): Promise<void> {
    this.#member = member
    this.#info = info
    for (const agent of await this.store.list()) if (!agent.archivedAt) member.run(agent, undefined)
  }

  async stop(): Promise<void> {}

  async target(node: string | undefined): Promise<string> {
    if (node === undefined || node === this.nodeId || node === this.#info?.url) return this.nodeId
    throw new PlacementError(`no node ${node}: this daemon keeps its agents in SQLite and is the only node (${this.nodeId})`)
  }

  created(): undefined {
    return undefined
  }

  async placed(): Promise<void> {
    throw new PlacementError("a daemon on SQLite runs its agents itself")
  }

  poke(): void {}

  async restored(agent: AgentRecord): Promise<void> {
    this.#member!.run(agent, undefined)
  }

  async nodes(): Promise<NodeView[]> {
    const info = this.#info!
    return [{ ...info, heartbeatAt: new Date().toISOString(), alive: true, agents: this.#member!.running(), self: true }]
  }

  async gone(): Promise<string[]> {
    return []
  }
}
