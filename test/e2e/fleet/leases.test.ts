// Leases on agents in process, on a real PostgreSQL: two nodes' stores over one database, the
// first of which stops renewing (as a node cut off from the database would). The second takes
// the agent over with the next epoch; from then on the first one's harness appends and progress
// writes are refused in their own transactions.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, expect, test } from "vitest"
import { AgentStreams } from "../../../src/agents/stream.ts"
import type { AgentRecord } from "../../../src/agents/store.ts"
import type { FleetMember } from "../../../src/agents/fleet/fleet.ts"
import { openStores, type Stores } from "../../../src/server/stores.ts"
import { type AppendFence, FencedError } from "../../../src/streams/store.ts"
import { freshDatabase } from "../../support/stores.ts"
import { waitFor } from "../../support/wait.ts"

const LEASE_TTL_MS = 1_000
let root: string
let a: Stores
let b: Stores

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "iterate-leases-"))
  const url = await freshDatabase()
  a = await openStores(join(root, "a"), url, { leaseTtlMs: LEASE_TTL_MS })
  b = await openStores(join(root, "b"), url, { leaseTtlMs: LEASE_TTL_MS })
})
afterAll(async () => {
  await b?.fleet.stop()
  for (const stores of [a, b]) await stores?.close()
  rmSync(root, { recursive: true, force: true })
})

/** What the fleet has a node run: the agents layer's side of the interface, recorded. */
function recorder(): FleetMember & { runs: { agent: AgentRecord; fence?: AppendFence; from?: string }[] } {
  const runs: { agent: AgentRecord; fence?: AppendFence; from?: string }[] = []
  return {
    runs,
    run: (agent, fence, from) => void runs.push({ agent, fence, from }),
    lost: () => {},
    running: () => runs.map((r) => r.agent.id),
    refusal: () => undefined,
  }
}

const event = (n: number) => ({ type: "iterate:agent:harness:opencode:event-received", payload: { n } })

test("a node that stopped renewing loses the agent to one that reaches its directory: its stale epoch is refused, the new holder's is not", async () => {
  const directory = join(root, "project")
  const agent = { id: "lease1", name: "leased", harness: "opencode", directory, model: undefined, stream: "agents/lease1", createdAt: new Date().toISOString(), permissions: "ask" as const }
  await a.streams.create(agent.stream, { contentType: "application/json" })
  const recorded = await a.agents.insert(agent)
  expect(recorded).toMatchObject({ node: a.fleet.nodeId, leaseExpired: false })
  const stale = a.fleet.created(agent)!
  const onA = new AgentStreams(a.streams)
  expect(await onA.append(agent.stream, [event(1)], stale)).toHaveLength(1)
  await a.agents.setProgress(agent.id, { status: "busy", consumed: "0000000000000001" })

  // A renews nothing from here on; B starts and waits for the lease to run out.
  const member = recorder()
  await b.fleet.start(member, { id: b.fleet.nodeId, url: "http://127.0.0.1:1", roots: [root], version: "test", startedAt: new Date().toISOString() })
  const run = await waitFor("B to take the agent over", () => member.runs[0], { timeoutMs: 4 * LEASE_TTL_MS })
  expect(run).toMatchObject({ agent: { id: agent.id, node: b.fleet.nodeId, consumed: "0000000000000001" }, fence: { lease: agent.stream, epoch: stale.epoch + 1 }, from: a.fleet.nodeId })

  const refused = await onA.append(agent.stream, [event(2)], stale).catch((error) => error)
  expect(refused).toBeInstanceOf(FencedError)
  expect(refused.epoch).toBe(stale.epoch + 1)
  expect(await new AgentStreams(b.streams).append(agent.stream, [event(3)], run.fence)).toHaveLength(1)
  expect((await onA.read(agent.stream, undefined))!.map((e) => e.payload)).toEqual([{ n: 1 }, { n: 3 }])

  // A's progress writes no longer apply; B's do.
  await a.agents.setProgress(agent.id, { status: "idle", consumed: "0000000000000009" })
  expect(await b.agents.find(agent.id)).toMatchObject({ status: "busy", consumed: "0000000000000001", node: b.fleet.nodeId })
  await b.agents.setProgress(agent.id, { status: "idle", consumed: "0000000000000002" })
  expect(await a.agents.find(agent.id)).toMatchObject({ status: "idle", consumed: "0000000000000002" })

  // A coming back takes nothing: the agent is B's, renewed with B's heartbeat.
  const returning = recorder()
  await a.fleet.start(returning, { id: a.fleet.nodeId, url: "http://127.0.0.1:2", roots: [root], version: "test", startedAt: new Date().toISOString() })
  await Bun.sleep(2 * LEASE_TTL_MS)
  await a.fleet.stop()
  expect(returning.runs).toEqual([])
  const nodes = await b.fleet.nodes()
  expect(nodes.find((n) => n.id === b.fleet.nodeId)).toMatchObject({ alive: true, agents: [agent.id], self: true })
  expect(nodes.find((n) => n.id === a.fleet.nodeId)).toMatchObject({ alive: false, agents: [], self: false })
})
