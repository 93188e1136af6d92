// Lease takeover after kill -9: two nodes share a throwaway PostgreSQL (test/support/postgres.ts),
// one agent runs on one of them; that node is killed, and the time until the other holds the
// agent (GET /v1/agents/{agent} names it, polled every 10 ms) is the takeover time. The killed node
// is started again and becomes the next victim, so each round kills the holder. With the lease TTL
// T and nodes ticking every T/3, a takeover takes between about 2T/3 and 4T/3: the lease runs T from
// its last renewal (up to T/3 before the kill), and the adopter notices within one tick.
// Run with `bun run bench fleet`.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startCluster } from "../../test/support/postgres.ts"
import { testOpencodeBinary } from "../../test/support/opencode-project.ts"
import { BINARY, median, ROOT, table } from "./_support.ts"

const TTLS_MS = [3_000, 15_000]
const ROUNDS: Record<number, number> = { 3_000: 8, 15_000: 3 }

interface Node {
  name: string
  home: string
  child?: Bun.Subprocess
  url: string
  token: string
}

if (!existsSync(BINARY) && Bun.spawnSync(["bun", "run", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] }).exitCode !== 0)
  process.exit(1)

const root = mkdtempSync(join(tmpdir(), "iterate-bench-fleet-"))
const workspace = join(root, "workspace")
mkdirSync(join(workspace, "project"), { recursive: true })
const cluster = await startCluster()
const nodes: Node[] = []

async function start(node: Node): Promise<void> {
  const record = join(node.home, "state", "iterate", "daemon.json")
  rmSync(record, { force: true })
  node.child = Bun.spawn([BINARY, "serve", "--port", "0", "--root", workspace], {
    env: {
      ...process.env,
      HOME: node.home,
      XDG_STATE_HOME: join(node.home, "state"),
      XDG_DATA_HOME: join(node.home, "data"),
      XDG_CONFIG_HOME: join(node.home, "config"),
      ITERATE_STORE_URL: cluster.url(),
    },
    stdout: "ignore",
    stderr: "ignore",
  })
  while (!existsSync(record)) {
    if (node.child.exitCode !== null) throw new Error(`${node.name}: iterate serve exited ${node.child.exitCode}`)
    await Bun.sleep(20)
  }
  Object.assign(node, JSON.parse(readFileSync(record, "utf8")) as { url: string; token: string })
}

const api = (node: Node, path: string, init: RequestInit = {}) =>
  fetch(`${node.url}${path}`, { ...init, headers: { authorization: `Bearer ${node.token}`, "content-type": "application/json", ...init.headers } })
const nodeId = (node: Node) => (JSON.parse(readFileSync(join(node.home, "data", "iterate", "node.json"), "utf8")) as { id: string }).id

async function holder(node: Node, agent: string): Promise<string> {
  return ((await (await api(node, `/v1/agents/${agent}`)).json()) as { node: string }).node
}

const rows: string[][] = []
try {
  for (const ttl of TTLS_MS) {
    nodes.length = 0
    for (const name of ["a", "b"]) {
      const home = join(root, `${name}-${ttl}`)
      mkdirSync(join(home, "config", "iterate"), { recursive: true })
      const config = { harnesses: { opencode: { binary: testOpencodeBinary() } }, node: { leaseTtlMs: ttl } }
      writeFileSync(join(home, "config", "iterate", "config.json"), JSON.stringify(config))
      const node: Node = { name, home, url: "", token: "" }
      await start(node)
      nodes.push(node)
    }
    const created = await api(nodes[0]!, "/v1/agents", { method: "POST", body: JSON.stringify({ directory: join(workspace, "project"), name: `bench-${ttl}` }) })
    if (created.status !== 201) throw new Error(`agents new: ${created.status} ${await created.text()}`)
    const agent = `bench-${ttl}`
    const times: number[] = []
    let victim = nodes[0]!
    for (let round = 0; round < ROUNDS[ttl]!; round++) {
      const survivor = nodes.find((n) => n !== victim)!
      // Kill at a random point of the holder's renewal cycle, as a crash would.
      await Bun.sleep(Math.random() * (ttl / 3))
      victim.child!.kill("SIGKILL")
      const killed = performance.now()
      await victim.child!.exited
      while ((await holder(survivor, agent)) !== nodeId(survivor)) await Bun.sleep(10)
      times.push(performance.now() - killed)
      await start(victim)
      victim = survivor
    }
    const seconds = (value: number) => `${(value / 1000).toFixed(2)} s`
    rows.push([seconds(ttl), String(times.length), seconds(Math.min(...times)), seconds(median(times)), seconds(Math.max(...times)), `${(Math.max(...times) / ttl).toFixed(2)}×`])
    for (const node of nodes) {
      node.child?.kill("SIGTERM")
      await node.child?.exited
    }
  }
  console.log("\n### Lease takeover after kill -9 of the node holding an agent (two nodes, one PostgreSQL)\n")
  console.log(table(["lease TTL", "rounds", "min", "median", "max", "max / TTL"], rows))
} finally {
  for (const node of nodes) node.child?.kill("SIGKILL")
  await cluster.destroy()
  rmSync(root, { recursive: true, force: true })
}
