// Progress on a terminal: a spinner on stderr while the daemon starts and while a harness gets
// going, cleared before the reply prints; nothing with NO_COLOR or when stderr is not a terminal.
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, expect, test } from "vitest"
import { useAgentSandbox } from "../../support/agent-sandbox.ts"
import { text, useLlmStub } from "../../support/llm-stub.ts"
import { runInTerminal } from "../../support/pty.ts"
import { BINARY, Sandbox } from "../../support/sandbox.ts"

const stub = useLlmStub()
const agents = useAgentSandbox(stub)

const withColor = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([key]) => key !== "NO_COLOR"))
const CLEAR_LINE = "\r\x1b[2K"

test("iterate run on a terminal says it is waiting for opencode until the reply starts, then clears it", async () => {
  stub.reply(text("The answer."))
  const run = await runInTerminal([BINARY, "run", "--dir", agents.project, "hello"], { env: withColor(agents.sandbox.env) })
  expect(run.code, run.output).toBe(0)
  expect(run.output).toContain("waiting for opencode in ~/project…")
  // The spinner's line is cleared before the first character of the reply.
  expect(run.output).toContain(`${CLEAR_LINE}The answer.\n`)

  stub.reply(text("No spinner."))
  const json = await runInTerminal([BINARY, "run", "--dir", agents.project, "--format", "json", "again"], { env: withColor(agents.sandbox.env) })
  expect(json.code).toBe(0)
  expect(json.output).not.toContain("waiting for")
})

let cold: Sandbox | undefined
afterEach(async () => {
  await cold?.run(["server", "stop"])
  cold?.close()
})

/** Another process holds the spawn lock for a moment, so the daemon's start is a wait a person would see. */
function holdSpawnLock(sandbox: Sandbox, ms: number) {
  const state = join(sandbox.env.XDG_STATE_HOME!, "iterate")
  mkdirSync(state, { recursive: true, mode: 0o700 })
  writeFileSync(join(state, "daemon.lock"), String(process.pid))
  setTimeout(() => rmSync(join(state, "daemon.lock"), { force: true }), ms)
}

test("the first command on a terminal shows a spinner while the daemon starts; not with NO_COLOR, not into a pipe", async () => {
  cold = new Sandbox()
  holdSpawnLock(cold, 600)
  const first = await runInTerminal([BINARY, "streams", "list"], { env: withColor(cold.env) })
  expect(first.code, first.output).toBe(0)
  expect(first.output).toContain("starting the daemon…")
  expect(first.output).toContain(`${CLEAR_LINE}no streams yet`)

  for (const restart of [
    () => runInTerminal([BINARY, "streams", "list"], { env: cold!.env }).then((r) => r.output),
    // An empty NO_COLOR counts as unset: here only the pipe keeps the spinner away.
    () => cold!.run(["streams", "list"], { env: { NO_COLOR: "" } }).then((r) => r.stderr),
  ]) {
    await cold.run(["server", "stop"])
    holdSpawnLock(cold, 600)
    const output = await restart()
    expect(output).toContain("no streams yet")
    expect(output).not.toContain("starting the daemon")
  }
})
