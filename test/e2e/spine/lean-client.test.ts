import { afterAll, expect, test } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { ROOT, Sandbox } from "../../support/sandbox.ts"

const sandbox = new Sandbox()
afterAll(() => sandbox.close())

/** Runs the CLI from source with a preload that writes every module the process loaded at exit. */
async function modulesLoadedBy(args: string[]): Promise<string[]> {
  const out = join(sandbox.dir, `modules-${args.join("-")}.txt`)
  const preload = join(sandbox.dir, "trace.ts")
  await Bun.write(preload, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(out)}, Object.keys(require.cache).join("\\n")))`)
  const child = Bun.spawn(["bun", "--preload", preload, join(ROOT, "src", "index.ts"), ...args], {
    env: sandbox.env,
    stdout: "ignore",
    stderr: "pipe",
  })
  // `server status` exits 3 when no daemon runs.
  expect([0, 3], await new Response(child.stderr).text()).toContain(await child.exited)
  return readFileSync(out, "utf8").split("\n")
}

// A renderer may fold harness events with each harness's pure reducer (transcript.ts, and the
// import-free modules it reads: opencode's and pi's events.ts, claude's protocol.ts, pi's
// edit-diff.ts), nothing else of a harness.
const serverOnly = (m: string) =>
  /\/src\/(server|streams|harness|agents|storage)\/|\/src\/config\/(index|schema)\.ts$|\/node_modules\/(hono|@hono|zod)\/|bun:sqlite/.test(m) &&
  !/\/src\/harness\/([^/]+\/(transcript|events|protocol|edit-diff)|transcripts)\.ts$/.test(m)

test.each([
  ["streams", "list", "--json"],
  ["agents", "list", "--json"],
  ["search", "anything", "--json"],
  ["export", "--help"],
  ["batch", "--help"],
  ["todos", "--help"],
  ["permissions", "--json"],
  ["usage", "--json"],
  ["service", "install", "--dry-run"],
  ["remote", "list", "--json"],
  ["config", "path"],
  ["completion", "bash"],
  ["import", "--help"],
  // The ACP library (and zod, which checks its messages) loads only when `iterate acp` runs.
  ["acp", "--help"],
  // With no daemon it also looks for one by the data folder's owner.json, still without SQLite.
  ["server", "status"],
])("a client command (%s %s) loads no server, SQLite, Hono, harness or agents code", async (...args) => {
  const modules = await modulesLoadedBy(args)
  expect(modules.some((m) => m.includes(`/src/cli/${args[0]}.ts`))).toBe(true)
  expect(modules.filter(serverOnly)).toEqual([])
})

test("--version loads nothing but the entry and the version", async () => {
  const modules = await modulesLoadedBy(["--version"])
  expect(modules.filter((m) => m.includes("/src/")).map((m) => m.slice(m.indexOf("/src/")))).toEqual(
    expect.arrayContaining(["/src/index.ts", "/src/version.ts"]),
  )
  expect(modules.filter((m) => m.includes("/src/") && !/\/src\/(index|version)\.ts$/.test(m))).toEqual([])
  expect(modules.some((m) => m.includes("node_modules/commander"))).toBe(false)
})
