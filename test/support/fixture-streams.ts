// Agent streams made of recorded fixtures: a whole recorded stream (test/fixtures/streams), or a
// turn of a harness's recorded native events (test/fixtures/<harness>) wrapped the way the adapter
// appends them: the prompt action, busy, the harness's events, idle; and the transcript of such a turn.
import { readFileSync } from "node:fs"
import { transcriptFor } from "../../src/harness/transcripts.ts"
import { AGENT_EVENT, harnessEventType } from "../../src/protocol/agent-events.ts"
import type { EventInput } from "../../src/streams/events.ts"
import type { AgentStreamEvent } from "../../src/transcript/types.ts"

const lines = (path: string) =>
  readFileSync(new URL(`../fixtures/${path}.jsonl`, import.meta.url), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line))

/** A stream recorded whole: its events with their offsets and times. */
export const recordedStream = (name: string): AgentStreamEvent[] => lines(`streams/${name}`)

/** A harness's recorded native events (test/fixtures/<harness>/<fixture>.jsonl). */
export const recordedNatives = (harness: string, fixture: string): unknown[] => lines(`${harness}/${fixture}`)

/** One turn as the adapter appends it: the prompt, busy, the natives wrapped, idle. */
export function turn(harness: string, prompt: string, natives: unknown[], end: EventInput = { type: AGENT_EVENT.status, payload: { status: "idle" } }): EventInput[] {
  return [
    { type: AGENT_EVENT.prompt, payload: { text: prompt } },
    { type: AGENT_EVENT.status, payload: { status: "busy" } },
    ...natives.map((payload) => ({ type: harnessEventType(harness), payload })),
    end,
  ]
}

/** Events with offsets 1, 2, … and a time each, as a stream would hold them. */
export function stamped(inputs: EventInput[], start = Date.parse("2026-12-01T10:00:00Z")): AgentStreamEvent[] {
  return inputs.map((input, i) => ({ ...input, offset: String(i + 1).padStart(16, "0"), createdAt: new Date(start + i * 1000).toISOString() }))
}

/**
 * The transcript `harness`'s reducer makes of one turn as the adapter appends it: the prompt
 * action, busy with that prompt, `natives` wrapped, then `after` (the turn's end, or none yet).
 */
export function transcriptOfTurn(harness: string, natives: unknown[], after: EventInput[] = [], prompt = "the prompt") {
  const builder = transcriptFor(harness)
  const events: EventInput[] = [
    { type: AGENT_EVENT.prompt, payload: { text: prompt } },
    { type: AGENT_EVENT.status, payload: { status: "busy", prompt: "0000000000000001" } },
    ...natives.map((payload) => ({ type: harnessEventType(harness), payload })),
    ...after,
  ]
  events.forEach((event, i) => builder.push({ offset: String(i + 1).padStart(16, "0"), ...event }))
  return builder.transcript
}
