// `bun scripts/record-pi-fixtures.ts`: runs the real Pi (the devDependency) through the Pi harness
// against the LLM stub, once per scenario, and writes the native events the session reports to
// test/fixtures/pi/<scenario>.jsonl — what the transcript tests fold. Run it again after
// upgrading Pi, and look at the diff.
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { HarnessEvents, PermissionAsk } from "../src/harness/harness.ts"
import { createPiHarness } from "../src/harness/pi/index.ts"
import { failure, LlmStub, type StubReply, text, toolCall } from "../test/support/llm-stub.ts"
import { createPiProject, PI_STUB_MODEL } from "../test/support/pi-project.ts"

interface Scenario {
  replies: StubReply[]
  prompt: string
  /** a file in the project before the turn */
  file?: { path: string; content: string }
  deny?: boolean
  abortAfterMs?: number
}

const SCENARIOS: Record<string, Scenario> = {
  text: { prompt: "say hello", replies: [text("Hello there, this is the stub speaking.", { reasoning: "The user wants a greeting." })] },
  write: { prompt: "write hello.txt", replies: [toolCall("write", { path: "hello.txt", content: "hi from the stub\n" }), text("I wrote hello.txt.")] },
  overwrite: {
    prompt: "rewrite notes.txt",
    file: { path: "notes.txt", content: "one\ntwo\nthree\n" },
    replies: [toolCall("write", { path: "notes.txt", content: "one\n2\nthree\nfour\n" }), text("Rewritten.")],
  },
  edit: {
    prompt: "fix the greeting",
    file: { path: "greet.txt", content: "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nhi from the stub\nm\n" },
    replies: [toolCall("edit", { path: "greet.txt", edits: [{ oldText: "hi from", newText: "hello from" }, { oldText: "a\n", newText: "A\n" }] }), text("Edited.")],
  },
  bash: { prompt: "list the files", replies: [toolCall("bash", { command: "echo listing; ls" }), text("Listed.")] },
  denied: { prompt: "write secret.txt", deny: true, replies: [toolCall("write", { path: "secret.txt", content: "nope\n" }), text("I could not write it.")] },
  "api-error": { prompt: "fail", replies: [failure("quota exceeded")] },
  abort: { prompt: "go on and on", abortAfterMs: 600, replies: [text("x".repeat(400), { chunkSize: 4, delayMs: 40 })] },
  retry: { prompt: "flaky", replies: [failure("overloaded", 503), failure("overloaded", 503), failure("overloaded", 503), text("Third time lucky.")] },
}

const fixtures = new URL("../test/fixtures/pi/", import.meta.url).pathname
const stub = new LlmStub().start()
const only = process.argv.slice(2)
try {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    if (only.length > 0 && !only.includes(name)) continue
    const project = createPiProject(stub.url)
    if (scenario.file) writeFileSync(join(project.directory, scenario.file.path), scenario.file.content)
    const harness = createPiHarness(project.context())
    const recorded: unknown[] = []
    let ended: () => void = () => {}
    const turnOver = new Promise<void>((resolve) => (ended = resolve))
    const session = harness.open({ id: name, name, directory: project.directory, model: PI_STUB_MODEL }, {
      event: (native) => recorded.push(native),
      turnEnded: () => ended(),
      permission: (ask: PermissionAsk) => void session.answer(ask.nativeId, { decision: scenario.deny ? "deny" : "allow" }),
      permissionWithdrawn() {},
      warn: (message) => console.error(`${name}: ${message}`),
      crashed: (crash) => console.error(`${name}: pi crashed: ${crash.reason}`),
      resumable() {},
      processStarted() {},
      processExited() {},
    } satisfies HarnessEvents)
    stub.reset()
    stub.reply(...scenario.replies)
    await session.prompt({ text: scenario.prompt })
    if (scenario.abortAfterMs) setTimeout(() => void session.abort(), scenario.abortAfterMs)
    await turnOver
    await harness.stop()
    writeFileSync(join(fixtures, `${name}.jsonl`), recorded.map((event) => JSON.stringify(event)).join("\n") + "\n")
    console.log(`${name}: ${recorded.length} events`)
    rmSync(project.root, { recursive: true, force: true })
  }
} finally {
  stub.stop()
}
