// `iterate attach` on a Codex agent, in a pseudo-terminal: Codex's own TUI opens on the agent's
// thread and shows its conversation; what is said there, the agent's next prompt carries on from.
import { appendFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, expect, test } from "vitest"
import { inTerminal, useAgentSandbox } from "../../support/agent-sandbox.ts"
import { text, useResponsesStub } from "../../support/responses-stub.ts"
import { BINARY } from "../../support/sandbox.ts"
import { waitFor } from "../../support/wait.ts"

const stub = useResponsesStub()
const agents = useAgentSandbox(stub, "codex")
// The TUI offers a newer model once per migration it has not shown: this one counts as shown.
beforeAll(() => appendFileSync(join(agents.sandbox.env.CODEX_HOME!, "config.toml"), '\n[notice.model_migrations]\n"gpt-5.5" = "gpt-6-sol"\n'))

test("attach opens Codex's TUI on the agent's thread; the next prompt goes on from what was said there", { timeout: 120_000 }, async () => {
  stub.reply(text("Noted: the word is persimmon."))
  await agents.iterate(["run", "--harness", "codex", "--dir", agents.project, "remember persimmon"])
  const tui = inTerminal([BINARY, "attach", "project"], { ...agents.sandbox.env, TERM: "xterm-256color" })
  // The TUI draws with cursor moves: words are compared without the spaces between them.
  const screen = () => tui.screen().replace(/\s+/g, "")
  const keys = (typed: string) => tui.process.terminal!.write(typed)
  await waitFor("the conversation so far", () => screen().includes("›rememberpersimmon•Noted:thewordispersimmon."), { timeoutMs: 30_000 })

  stub.reply(text("Got kumquat."))
  keys("a word from the TUI: kumquat")
  await Bun.sleep(300)
  keys("\r")
  await waitFor("the TUI's reply", () => screen().includes("Gotkumquat."), { timeoutMs: 30_000 })
  // The reply is drawn before the turn ends, and Ctrl-C during a turn interrupts it instead of quitting.
  // Codex tells the terminal its state (OSC 7501): the last one told must no longer be "working".
  await waitFor("the TUI's turn to end", () => tui.raw().match(/\x1b\]7501;state=(\w+)/g)?.at(-1)?.endsWith("working") === false, { timeoutMs: 30_000 })
  keys("\x03")
  expect(await tui.process.exited).toBe(0)

  stub.reply(text("It was kumquat."))
  expect((await agents.iterate(["prompt", "project", "what did I say in the TUI?"])).stdout).toBe("It was kumquat.\n")
  const asked = JSON.stringify(stub.turns.at(-1)!.body.input)
  expect(asked).toContain("remember persimmon")
  expect(asked).toContain("a word from the TUI: kumquat")
})
