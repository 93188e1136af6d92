// The harness registry: what every harness is given by the daemon that makes it.
import { join } from "node:path"
import { afterAll, expect, test } from "vitest"
import type { HarnessEvents, TurnEnd } from "../../../src/harness/harness.ts"
import { createHarnesses } from "../../../src/harness/index.ts"
import { opencodeHarness } from "../../../src/harness/opencode/index.ts"
import { text, useLlmStub } from "../../support/llm-stub.ts"
import { STUB_MODEL, testOpencodeBinary, useOpencodeProject } from "../../support/opencode-project.ts"
import { waitFor } from "../../support/wait.ts"

const stub = useLlmStub()
const project = useOpencodeProject(stub)
// The address the daemon's own debugger listens on.
const debuggerServer = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() })
afterAll(() => debuggerServer.stop(true))

test("a daemon run under Bun's debugger keeps its address from the harnesses, which would exit failing to listen there", { timeout: 90_000 }, async () => {
  const harnesses = createHarnesses(
    {
      logDir: project.logDir,
      dataDir: join(project.logDir, "..", "harness-data"),
      config: { opencode: { binary: testOpencodeBinary() } },
      env: { ...process.env, ...project.env, BUN_INSPECT: `ws://127.0.0.1:${debuggerServer.port}/iterate` },
    },
    { opencode: opencodeHarness },
  )
  const opencode = harnesses.get("opencode")!
  const ends: TurnEnd[] = []
  const events: HarnessEvents = {
    event() {},
    turnEnded: (end) => void ends.push(end),
    permission() {},
    permissionWithdrawn() {},
    warn() {},
    crashed() {},
    resumable() {},
    processStarted() {},
    processExited() {},
  }
  try {
    const session = opencode.open({ id: "a1", name: "debugged", directory: project.directory, model: STUB_MODEL }, events)
    stub.reply(text("Running all the same."))
    await session.prompt({ text: "are you up?" })
    expect(await waitFor("the turn to end", () => ends[0])).toEqual({ status: "idle" })
  } finally {
    await opencode.stop()
  }
})
