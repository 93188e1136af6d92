// What an imported agent's stream shows: the events `iterate import` writes for a session's turns
// (src/agents/import.ts), given the offsets a new stream gives them, folded by the harness's own
// reducer as every renderer folds them.
import { importedEvents } from "../../src/agents/import.ts"
import type { ImportedTurn } from "../../src/harness/harness.ts"
import { transcriptFor } from "../../src/harness/transcripts.ts"
import type { EventInput } from "../../src/streams/events.ts"

const offset = (seq: number) => String(seq).padStart(16, "0")

/** The events of a new agent's stream holding `turns`, with their offsets. */
export function importedStream(harness: string, turns: ImportedTurn[]): Array<EventInput & { offset: string }> {
  return importedEvents(harness, turns).map((input, index) => ({ offset: offset(index + 1), ...(typeof input === "function" ? input((i) => offset(i + 1)) : input) }))
}

/** The transcript of a new agent's stream holding `turns`. */
export function importedTranscript(harness: string, turns: ImportedTurn[]) {
  const builder = transcriptFor(harness)
  for (const event of importedStream(harness, turns)) builder.push(event)
  return builder.transcript
}
