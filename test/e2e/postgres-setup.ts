import type { TestProject } from "vitest/node"
import { type Cluster, startCluster } from "../support/postgres.ts"

// One PostgreSQL cluster for the whole run; each test file that needs one makes its own database
// in it (freshDatabase), so files run side by side without seeing each other. It is stopped and
// removed at the end, whether the tests passed or not.
let cluster: Cluster | undefined

export async function setup(project: TestProject) {
  cluster = await startCluster()
  project.provide("postgres", cluster.url())
}

export async function teardown() {
  await cluster?.destroy()
}
