// A test fleet: nodes on this machine sharing one PostgreSQL database, each a Sandbox of its own
// (its own data and state folders) whose config.json names the harness it runs, the roots it
// serves and the lease TTL.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { writeConfig } from "./agent-sandbox.ts"
import { type Result, Sandbox } from "./sandbox.ts"

/** A node on the database at `url`, with `env` added to its environment (what is undefined there left out) and `config` as its config.json. */
export function fleetNode(url: string, env: Record<string, string | undefined>, config: { harnesses: Record<string, unknown>; node: { roots: string[]; leaseTtlMs: number } }): Sandbox {
  const set = Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined)
  const sandbox = new Sandbox({ ...Object.fromEntries(set), ITERATE_STORE_URL: url })
  writeConfig(sandbox, `// a node of the test fleet\n${JSON.stringify(config, null, 2)}\n`)
  return sandbox
}

/** Runs iterate on a node; fails the test, with stderr, when the exit code is not `code`. */
export async function on(sandbox: Sandbox, args: string[], code = 0): Promise<Result> {
  const result = await sandbox.run(args)
  if (result.code !== code) throw new Error(`iterate ${args.join(" ")} exited ${result.code}, not ${code}:\n${result.stderr}${result.stdout}`)
  return result
}

/** The id a node keeps in its data folder. */
export const nodeId = (sandbox: Sandbox) => JSON.parse(readFileSync(join(sandbox.env.XDG_DATA_HOME!, "iterate", "node.json"), "utf8")).id as string

/** Stops each node's daemon, then removes its folders. */
export async function stopNodes(nodes: Array<Sandbox | undefined>): Promise<void> {
  for (const sandbox of nodes) {
    await sandbox?.run(["server", "stop"])
    sandbox?.close()
  }
}
