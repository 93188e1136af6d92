// `bun run bench`: builds the binary, then runs every benchmark in scripts/bench/ in turn; each
// prints its own table. `bun run bench spine` runs only the files whose names match.
import { readdirSync } from "node:fs"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
const only = process.argv.slice(2)
const build = Bun.spawnSync(["bun", "run", "build"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] })
if (build.exitCode !== 0) process.exit(1)

const files = readdirSync(join(root, "scripts", "bench"))
  .filter((f) => f.endsWith(".ts") && !f.startsWith("_"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
let failed = false
for (const file of files) {
  const run = Bun.spawnSync(["bun", join("scripts", "bench", file)], { cwd: root, stdio: ["ignore", "inherit", "inherit"] })
  failed ||= run.exitCode !== 0
}
process.exit(failed ? 1 : 0)
