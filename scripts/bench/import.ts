// `iterate import claude` of 1,000 Claude Code session files. The files are copies of a real
// session (test/fixtures/import/claude/tools.jsonl: claude 2.1.332 run directly, two turns with
// a file written, an edit and a command, 47 entries, 160 KB), each a session of its own: its own
// id, in one of 50 project folders, its prompts numbered. Timed, on SQLite and on PostgreSQL (a
// throwaway local cluster with fsync off, test/support/postgres.ts): the first import (1,000 new
// agents), an import again with nothing new, and one after every session gained a turn (the same
// two turns appended again). The daemon is started first; each time is the whole `iterate import`
// command. Goal: the first import of 1,000 files in ≤ 10 s.
import { appendFileSync, mkdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { startCluster } from "../../test/support/postgres.ts"
import { iterateHome } from "./_agents.ts"
import { table } from "./_support.ts"

const FILES = 1_000
const PROJECTS = 50
const GOAL_MS = 10_000
const FIXTURE = new URL("../../test/fixtures/import/claude/tools.jsonl", import.meta.url).pathname
const RECORDED_ROOT = "/tmp/claude-import-fixture"
const RECORDED_SESSION = JSON.parse(readFileSync(FIXTURE, "utf8").split("\n").find((line) => line.includes('"sessionId"'))!).sessionId as string

/** The recorded session as session `n`: its own id and project folder (under `root`), its prompts numbered. */
function variant(text: string, root: string, n: number): { id: string; project: string; content: string } {
  const id = crypto.randomUUID()
  const project = join(root, "projects-src", `app-${n % PROJECTS}`)
  const content = text
    .replaceAll(RECORDED_SESSION, id)
    .replaceAll(`${RECORDED_ROOT}/project`, project)
    .replaceAll(RECORDED_ROOT, root)
    .replaceAll('"write notes.txt with two lines"', `"write notes.txt with two lines (${n})"`)
  return { id, project, content }
}

async function run(store: "sqlite" | "postgres", env: Record<string, string>): Promise<Array<string | number>> {
  const home = iterateHome(`import-${store}`, {}, (root) => ({ CLAUDE_CONFIG_DIR: join(root, "claude"), ...env }))
  const text = readFileSync(FIXTURE, "utf8")
  const files: string[] = []
  let bytes = 0
  for (let n = 0; n < FILES; n++) {
    const { id, project, content } = variant(text, home.root, n)
    mkdirSync(project, { recursive: true })
    const folder = join(home.root, "claude", "projects", project.replaceAll("/", "-"))
    mkdirSync(folder, { recursive: true })
    const file = join(folder, `${id}.jsonl`)
    await Bun.write(file, content)
    files.push(file)
    bytes += content.length
  }
  try {
    await home.iterate(["server", "start"])
    const timed = async () => {
      const start = performance.now()
      const report = JSON.parse(await home.iterate(["import", "claude", "--json"])) as { sessions: Array<{ outcome: string; events: number }> }
      return { ms: performance.now() - start, report }
    }
    const first = await timed()
    const outcomes = (r: typeof first.report) => r.sessions.filter((s) => s.outcome !== "skipped").length
    if (outcomes(first.report) !== FILES) throw new Error(`the first import made ${outcomes(first.report)} agents, not ${FILES}`)
    const events = first.report.sessions.reduce((sum, s) => sum + s.events, 0)
    const again = await timed()
    if (outcomes(again.report) !== 0) throw new Error("importing again added something")
    // Every session gains its two turns once more, as if resumed and run again.
    for (const file of files) {
      const lines = readFileSync(file, "utf8")
      appendFileSync(file, lines.slice(lines.indexOf('{"parentUuid":null')))
    }
    const grown = await timed()
    if (outcomes(grown.report) !== FILES) throw new Error(`the import after a new turn updated ${outcomes(grown.report)} agents, not ${FILES}`)
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`
    return [store, `${FILES} (${(bytes / 1e6).toFixed(0)} MB)`, events, s(first.ms), `${((FILES / first.ms) * 1000).toFixed(0)}/s`, s(again.ms), s(grown.ms), first.ms <= GOAL_MS ? "yes" : "no"]
  } finally {
    await home.iterate(["server", "stop"]).catch(() => "")
    rmSync(home.root, { recursive: true, force: true })
  }
}

const rows = [await run("sqlite", {})]
const cluster = await startCluster()
try {
  rows.push(await run("postgres", { ITERATE_STORE_URL: cluster.url() }))
} finally {
  await cluster.destroy()
}
console.log("\nimport: 1,000 Claude Code session files (copies of a recorded session)\n")
console.log(table(["store", "files", "events", "first import", "sessions", "again (nothing new)", "after a new turn each", `≤ ${GOAL_MS / 1000} s`], rows))
