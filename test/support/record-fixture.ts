// What the fixture recorders of the transcript tests share (test/fixtures/<harness>/record.ts):
// one turn of a harness session on a scripted model, every permission request answered as the
// scenario says, the native events the session reported written one per line, with the throwaway
// project's root replaced by a fixed path so that the fixtures do not change from run to run.
import { writeFileSync } from "node:fs"
import type { Harness, HarnessSession, PermissionAnswer, PermissionAsk } from "../../src/harness/harness.ts"
import type { RecordedEvents } from "./recorded-events.ts"

export interface RecordedTurn<Events extends RecordedEvents> {
  name: string
  harness: Harness
  session: HarnessSession
  events: Events
  answer: (ask: PermissionAsk) => PermissionAnswer
  /** drives the session once the prompt is in (an abort, say) */
  run?: (session: HarnessSession, events: Events) => Promise<void>
  /** the project's root, and the path that stands for it in the fixture */
  root: string
  fixedRoot: string
  /** the fixture file */
  file: URL
}

export async function recordTurn<Events extends RecordedEvents>(turn: RecordedTurn<Events>): Promise<void> {
  const { name, harness, session, events } = turn
  const answered = new Set<string>()
  const answering = setInterval(() => {
    for (const ask of events.asks.filter((a) => !answered.has(a.nativeId))) {
      answered.add(ask.nativeId)
      void session.answer(ask.nativeId, turn.answer(ask))
    }
  }, 20)
  await session.prompt({ text: `record ${name}` })
  await turn.run?.(session, events)
  const end = await events.turn(1)
  clearInterval(answering)
  await harness.stop()
  const lines = events.natives.map((n) => JSON.stringify(n).replaceAll(turn.root, turn.fixedRoot))
  writeFileSync(turn.file, `${lines.join("\n")}\n`)
  console.log(`${name}: ${lines.length} lines, turn ${JSON.stringify(end)}`)
}
