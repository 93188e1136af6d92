// What the fixture recorders of the transcript tests share (test/fixtures/<harness>/record.ts)
// for the harnesses that talk to the Anthropic stub: for each scenario, a throwaway Claude project,
// the scenario's replies scripted, one turn of a session of the harness the recorder makes, every
// permission request answered as the scenario says, and the native events the session reported
// written one per line to <name>.jsonl beside the recorder, with the project's root replaced by a
// fixed path so that the fixtures do not change from run to run. `bun <recorder> [name…]` records
// only the scenarios named.
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Harness, HarnessContext, HarnessSession, PermissionAnswer, PermissionAsk } from "../../src/harness/harness.ts"
import { AnthropicStub, type StubReply, text, toolUse } from "./anthropic-stub.ts"
import { ClaudeEvents, createClaudeProject } from "./claude-project.ts"

export interface Scenario {
  replies: (directory: string) => StubReply[]
  /** drives the session once the prompt is in (an abort, say) */
  run?: (session: HarnessSession, events: ClaudeEvents) => Promise<void>
  /** how every permission request is answered; allow by default */
  decision?: "allow" | "deny"
  /** added to the harness's environment */
  env?: Record<string, string>
  /** prepares the project folder */
  before?: (directory: string) => void
}

/** The scenarios every recorder of a harness on the Anthropic stub records alike, so their transcripts tell the same story. */
export const COMMON_SCENARIOS: Record<string, Scenario> = {
  text: { replies: () => [text("Hello there, this is the stub speaking.", { thinking: "The user wants a greeting." })] },
  tool: { replies: (d) => [toolUse("Write", { file_path: join(d, "hello.txt"), content: "hi from the stub\n" }, { say: "Writing it." }), text("I wrote hello.txt.")] },
  bash: { replies: () => [toolUse("Bash", { command: "echo hello > out.txt && cat out.txt", description: "write and show out.txt" }), text("Ran it.")] },
  denied: { decision: "deny", replies: (d) => [toolUse("Write", { file_path: join(d, "nope.txt"), content: "no\n" }), text("I did not write it.")] },
}

export interface Recorder {
  scenarios: Record<string, Scenario>
  /** the harness, given the project's context with the scenario's environment in */
  harness: (context: HarnessContext) => Harness
  /** the answer to a request of a scenario that says "allow" or "deny" */
  answer?: (ask: PermissionAsk, decision: "allow" | "deny") => PermissionAnswer
  /** what the project's root is written as */
  fixedRoot: string
  /** the recorder's own folder: import.meta.url */
  folder: string
}

export async function recordFixtures(recorder: Recorder): Promise<void> {
  const stub = new AnthropicStub().start()
  const only = process.argv.slice(2)
  try {
    for (const [name, scenario] of Object.entries(recorder.scenarios)) {
      if (only.length > 0 && !only.includes(name)) continue
      const project = createClaudeProject(stub.url)
      try {
        scenario.before?.(project.directory)
        stub.reset()
        stub.reply(...scenario.replies(project.directory))
        const context = project.context()
        const harness = recorder.harness({ ...context, env: { ...context.env, ...scenario.env } })
        const events = new ClaudeEvents()
        const session = harness.open({ id: name, name, directory: project.directory }, events)
        const decision = scenario.decision ?? "allow"
        const answered = new Set<string>()
        const answering = setInterval(() => {
          for (const ask of events.asks.filter((a) => !answered.has(a.nativeId))) {
            answered.add(ask.nativeId)
            void session.answer(ask.nativeId, recorder.answer?.(ask, decision) ?? { decision })
          }
        }, 20)
        await session.prompt({ text: `record ${name}` })
        await scenario.run?.(session, events)
        const end = await events.turn(1)
        clearInterval(answering)
        await harness.stop()
        const lines = events.natives.map((n) => JSON.stringify(n).replaceAll(project.root, recorder.fixedRoot))
        writeFileSync(new URL(`${name}.jsonl`, recorder.folder), `${lines.join("\n")}\n`)
        console.log(`${name}: ${lines.length} lines, turn ${JSON.stringify(end)}`)
      } finally {
        rmSync(project.root, { recursive: true, force: true })
      }
    }
  } finally {
    stub.stop()
  }
}
