import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { delimiter, join } from "node:path"
import { afterAll, beforeAll, expect, test } from "vitest"
import { type Case, CaseBuilder, type Fixtures } from "../../support/fuzz/cases.ts"
import { HookReceiver, makeFixtures, templateFixtures } from "../../support/fuzz/fixtures.ts"
import { type OpenApiDocument, operations } from "../../support/fuzz/openapi.ts"
import { RAW_CASES, runRawCase } from "../../support/fuzz/raw-cases.ts"
import { runCases } from "../../support/fuzz/run.ts"
import { BINARY, type DaemonRecord, Sandbox } from "../../support/sandbox.ts"
import { isAlive, waitFor } from "../../support/wait.ts"

// Hostile input against every operation of the daemon's own OpenAPI document: a few thousand
// malformed requests from a seeded generator (ITERATE_FUZZ_SEED=<n> replays a run), then the
// daemon must still be the same process and still work.

const SEED = Number(process.env.ITERATE_FUZZ_SEED ?? 20_261_121)
const CONCURRENCY = 6
const SHUTDOWN = "POST /v1/daemon/shutdown"

let sandbox: Sandbox
let record: DaemonRecord
let receiver: HookReceiver
let logFile: string
const api = (path: string, init?: RequestInit) => sandbox.api(path, init)

beforeAll(async () => {
  // No opencode anywhere the daemon could find one, so creating an agent fails cleanly instead of
  // starting a harness: not on PATH (node_modules/.bin has one), and the configured one missing.
  const path = (process.env.PATH ?? "/usr/bin:/bin")
    .split(delimiter)
    .filter((dir) => !Bun.which("opencode", { PATH: dir }))
    .join(delimiter)
  sandbox = new Sandbox({ PATH: path })
  mkdirSync(join(sandbox.dir, "config", "iterate"), { recursive: true })
  writeFileSync(join(sandbox.dir, "config", "iterate", "config.json"), JSON.stringify({ harnesses: { opencode: { binary: join(sandbox.dir, "no-opencode") } } }))
  logFile = join(sandbox.dir, "daemon.log")
  // Short long-polls keep live reads from holding the run up; the log goes to a file nobody has to drain.
  const child = Bun.spawn([BINARY, "serve", "--port", "0", "--long-poll-timeout", "200", "--log-file", logFile], {
    env: sandbox.env,
    cwd: sandbox.dir,
    stdin: "ignore",
    stdout: Bun.file(join(sandbox.dir, "daemon.out")),
    stderr: Bun.file(join(sandbox.dir, "daemon.err")),
  })
  sandbox.track(child.pid)
  record = await waitFor("the daemon's record", () => sandbox.record(), { timeoutMs: 15_000 })
  receiver = new HookReceiver()
})
afterAll(() => {
  receiver?.stop()
  sandbox?.close()
})

test(`hostile input never gets a 5xx, a non-JSON error or past authentication (seed ${SEED})`, { timeout: 120_000 }, async () => {
  const docResponse = await api("/doc")
  expect(docResponse.status).toBe(200)
  const doc = (await docResponse.json()) as OpenApiDocument
  expect(doc.openapi).toMatch(/^3\.1/)
  const ops = operations(doc)
  expect(ops.map((o) => o.key)).toEqual(expect.arrayContaining([SHUTDOWN, "GET /v1/stream/{name}", "POST /v1/agents", "POST /v1/stream/__ds/subscriptions/{id}/ack"]))
  expect(ops.length).toBeGreaterThanOrEqual(25)

  const harnesses = (await (await api("/v1/harnesses")).json()) as { harnesses: { name: string; available: boolean }[] }
  // No harness can run here, so no agent the fuzzer makes starts one.
  expect(harnesses.harnesses.map((h) => [h.name, h.available])).toEqual([["opencode", false], ["claude", false], ["pi", false], ["codex", false], ["gemini", false], ["qwen", false]])

  // Authenticated shutdown is the one request left out: it would end the run. It gets the refusals only.
  const builder = new CaseBuilder(doc, SEED, templateFixtures())
  const byOp = new Map<string, Case[]>()
  for (const op of ops) {
    const before = builder.cases.length
    builder.add(op, op.key !== SHUTDOWN)
    byOp.set(op.key, builder.cases.slice(before))
  }
  console.log(`fuzz: seed ${SEED}, ${builder.cases.length} requests over ${ops.length} operations, ${RAW_CASES.length} raw ones`)

  const failures: string[] = []
  const base = { token: record.token, port: record.port, dir: sandbox.dir }
  let fx: Fixtures | undefined
  let index = 0
  for (const cases of byOp.values()) {
    fx = await makeFixtures(api, index++, base, receiver)
    const run = await runCases(record.url, cases, fx, CONCURRENCY)
    failures.push(...run.failures)
    const statuses = [...run.statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`)
    console.log(`fuzz: ${cases[0]!.op}: ${statuses.join(" ")}`)
  }
  for (const c of RAW_CASES) {
    const problem = await runRawCase(c, fx!)
    if (problem) failures.push(problem)
  }

  const log = readFileSync(logFile, "utf8").split("\n")
  failures.push(...log.filter((line) => /uncaught exception|unhandled rejection/.test(line)).map((line) => `daemon log: ${line}`))

  const shown = failures.slice(0, 150).join("\n\n") + (failures.length > 150 ? `\n\n… and ${failures.length - 150} more` : "")
  // The stack traces of 500s are in the daemon's log, not in the responses.
  const errors = log.filter((line) => / error /.test(line)).slice(-20)
  const report = `seed ${SEED} (rerun with ITERATE_FUZZ_SEED=${SEED}): ${failures.length} of ${builder.cases.length + RAW_CASES.length} requests failed\n\n${shown}\n\nlast errors in the daemon log:\n${errors.join("\n")}`
  expect(failures.length, report).toBe(0)
})

test("afterwards the daemon is the same process, healthy, and still works", async () => {
  expect(isAlive(record.pid)).toBe(true)
  expect(sandbox.record()?.instanceId).toBe(record.instanceId)
  const health = await (await fetch(`${record.url}/health`)).json()
  expect(health).toEqual({ healthy: true, version: record.version, instanceId: record.instanceId, pid: record.pid })

  expect((await api("/v1/stream/after-fuzz", { method: "PUT", headers: { "content-type": "application/json" } })).status).toBe(201)
  const appended = await api("/v1/streams/after-fuzz/events", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify([{ type: "note:added", payload: { ok: true } }]),
  })
  expect(appended.status).toBe(201)
  const read = await api("/v1/stream/after-fuzz?offset=-1")
  expect(read.status).toBe(200)
  expect(await read.json()).toEqual([expect.objectContaining({ type: "note:added", payload: { ok: true }, streamId: "after-fuzz" })])
})
