// Memory of idle OpenCode agents: 10 agents in 10 directories, one turn each through `iterate
// prompt`, then the resident memory of every harness process the daemon runs (opencode and what
// it started), summed from /proc. All of them share one `opencode serve`. Read twice: soon after
// the turns, with every directory's project loaded, and once the harness has unloaded the projects
// nobody used for `harnesses.opencode.idleTimeoutMs` (300 s by default, 15 s here). For comparison,
// one standalone `opencode serve` after a turn, which is what each agent cost when every directory
// had its own. Goal: ≤ 800 MiB for the ten.
import { mkdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { text } from "../../test/support/llm-stub.ts"
import { writeProjectConfig } from "../../test/support/opencode-project.ts"
import { agentHome } from "./_agents.ts"
import { treeMiB } from "./_support.ts"

const AGENTS = 10
const GOAL_MIB = 800
/** How long the agents sit idle before memory is first read, so that what a turn left behind can be collected. */
const IDLE_MS = 10_000
const IDLE_TIMEOUT_S = 15

if (process.platform !== "linux") {
  console.log("harness-rss: reads /proc, so it runs on Linux only")
  process.exit(0)
}

const { root, env, stub, opencode, iterate } = agentHome("rss", { idleTimeoutMs: IDLE_TIMEOUT_S * 1000 })

/** The opencode processes whose HOME is this benchmark's. */
function harnessProcesses(): number[] {
  return [...new Bun.Glob("[0-9]*").scanSync({ cwd: "/proc", onlyFiles: false })].map(Number).filter((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")
      return argv[0]!.includes("opencode") && argv[1] === "serve" && readFileSync(`/proc/${pid}/environ`, "utf8").includes(`HOME=${root}\0`)
    } catch {
      return false
    }
  })
}

/** A standalone `opencode serve` in `directory` after one turn, as each directory had before. */
async function standaloneMiB(directory: string): Promise<number> {
  const password = "bench"
  const child = Bun.spawn([opencode, "serve", "--hostname", "127.0.0.1", "--port", "0"], {
    cwd: directory,
    env: { ...env, OPENCODE_SERVER_PASSWORD: password },
    stdout: "pipe",
    stderr: "ignore",
  })
  try {
    let url = ""
    const decoder = new TextDecoder()
    for await (const chunk of child.stdout) {
      url = /listening on (\S+)/.exec((url += decoder.decode(chunk)))?.[1] ?? url
      if (url.startsWith("http")) break
    }
    const headers = { authorization: `Basic ${btoa(`opencode:${password}`)}`, "content-type": "application/json" }
    const session = (await (await fetch(`${url}/session`, { method: "POST", headers, body: "{}" })).json()) as { id: string }
    stub.reply(text("ok"))
    await fetch(`${url}/session/${session.id}/message`, { method: "POST", headers, body: JSON.stringify({ parts: [{ type: "text", text: "hi" }] }) })
    await Bun.sleep(IDLE_MS)
    return treeMiB(child.pid)
  } finally {
    child.kill()
    await child.exited
  }
}

try {
  const directories = Array.from({ length: AGENTS }, (_, i) => {
    const directory = join(root, `project-${i}`)
    mkdirSync(directory)
    writeProjectConfig(directory, stub.url)
    return directory
  })
  for (const [i, directory] of directories.entries()) {
    await iterate(["agents", "new", "--dir", directory, "--name", `agent-${i}`])
    stub.reply(text("ok"))
    await iterate(["prompt", `agent-${i}`, "hi"])
  }
  await Bun.sleep(IDLE_MS)
  const processes = harnessProcesses()
  const measure = () => processes.reduce((sum, pid) => sum + treeMiB(pid), 0)
  const loaded = measure()
  await Bun.sleep(IDLE_TIMEOUT_S * 1000 + IDLE_MS)
  const unloaded = measure()
  await iterate(["server", "stop"])
  const one = await standaloneMiB(directories[0]!)

  console.log(`
### Harness memory: ${AGENTS} idle OpenCode agents in ${AGENTS} directories (RSS)

| what | opencode processes | RSS |
| --- | ---: | ---: |
| through iterate: one shared \`opencode serve\`, ${IDLE_MS / 1000} s after the turns | ${processes.length} | ${loaded.toFixed(0)} MiB |
| the same, idle projects unloaded (idleTimeoutMs ${IDLE_TIMEOUT_S * 1000}) | ${processes.length} | ${unloaded.toFixed(0)} MiB |
| one standalone \`opencode serve\` per directory (one measured, ×${AGENTS}) | ${AGENTS} | ${(one * AGENTS).toFixed(0)} MiB |

${AGENTS} idle agents take ${loaded.toFixed(0)} MiB with their projects loaded (goal ≤ ${GOAL_MIB} MiB: ${loaded <= GOAL_MIB ? "met" : "missed"}), \
${unloaded.toFixed(0)} MiB once they are unloaded; one standalone opencode takes ${one.toFixed(0)} MiB.
`)
} finally {
  await iterate(["server", "stop"]).catch(() => {})
  stub.stop()
  rmSync(root, { recursive: true, force: true })
}
