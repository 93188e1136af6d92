// A node whose PostgreSQL goes away for longer than the lease TTL, with an agent on the real
// opencode: it cannot renew the lease, so it stops the agent itself (another node could take it
// by then), answers 503 and stays up; when the database is back it takes its agent again. This
// file has a cluster of its own, so that stopping it disturbs no other test.
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, expect, test } from "vitest"
import { useAgentSandbox, writeConfig } from "../../support/agent-sandbox.ts"
import { text, useLlmStub } from "../../support/llm-stub.ts"
import { testOpencodeBinary } from "../../support/opencode-project.ts"
import { type Cluster, startCluster } from "../../support/postgres.ts"
import { isAlive, waitFor } from "../../support/wait.ts"

const LEASE_TTL_MS = 2_000

const stub = useLlmStub()
const agents = useAgentSandbox(stub)
let cluster: Cluster

beforeAll(async () => {
  cluster = await startCluster()
  agents.sandbox.env.ITERATE_STORE_URL = cluster.url()
  const config = { harnesses: { opencode: { binary: testOpencodeBinary() } }, node: { leaseTtlMs: LEASE_TTL_MS } }
  writeConfig(agents.sandbox, `${JSON.stringify(config, null, 2)}\n`)
})
afterAll(async () => {
  await agents.sandbox.run(["server", "stop"])
  await cluster?.destroy()
})

/** How many model requests were for this prompt (its text the last message). */
const asked = (prompt: string) => stub.turns.filter((turn) => JSON.stringify(turn.body.messages.at(-1)).includes(prompt)).length
const log = () => readFileSync(agents.sandbox.logPath, "utf8")

test("PostgreSQL away for longer than the lease TTL: a prompt answers 503, the node stops its agent and stays up; back, it runs the agent again and each prompt reaches the model once", { timeout: 90_000 }, async () => {
  const id = (await agents.iterate(["agents", "new", "--dir", agents.project, "--name", "kept"])).stdout.trim()
  stub.reply(text("Before."))
  expect((await agents.iterate(["prompt", "kept", "before the outage"])).stdout).toBe("Before.\n")
  const { pid } = agents.sandbox.record()!

  await cluster.halt("immediate")
  expect((await agents.iterate(["prompt", "kept", "during the outage"], { code: 1 })).stderr).toBe(
    "iterate: the stream store (PostgreSQL) cannot be reached; try again shortly\n",
  )
  await waitFor("the node to stop the agent whose lease it cannot renew", () => log().includes(`agent ${id}: no longer runs on this node: its lease could not be renewed`), {
    timeoutMs: 4 * LEASE_TTL_MS,
  })
  expect((await agents.sandbox.api("/health")).status).toBe(200)
  await cluster.resume()

  // The first requests after the restart may still meet the outage (503): asked again until it holds the agent.
  const holds = async () => {
    const response = await agents.sandbox.api("/v1/nodes")
    return response.status === 200 && ((await response.json()) as { nodes: { agents: string[] }[] }).nodes[0]!.agents.includes(id)
  }
  await waitFor("the node to hold its agent again", holds, { timeoutMs: 6 * LEASE_TTL_MS })
  stub.reply(text("After."))
  expect((await agents.iterate(["prompt", "kept", "after the outage"])).stdout).toBe("After.\n")
  expect(["before the outage", "during the outage", "after the outage"].map(asked)).toEqual([1, 0, 1])
  expect(isAlive(pid)).toBe(true)
  expect(agents.sandbox.record()!.pid).toBe(pid)
  for (const text of [log(), JSON.stringify(stub.turns)]) expect(text).not.toContain(cluster.password)
})
