import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { EventInput } from "./src/streams/events.ts"
const ROOT = "/work/wt/archive"
// ---- text: a seeded vocabulary, drawn Zipf-like

let seed = 42
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const SYLLABLES = "ka lo mi ne tu ra pe so vi da fo gu ze bi wa hy quo ster trin mel dor vek pul zan".split(" ")
const VOCABULARY = [...new Set(Array.from({ length: 12_000 }, () => Array.from({ length: 2 + Math.floor(random() * 3) }, () => SYLLABLES[Math.floor(random() * SYLLABLES.length)]).join("")))].slice(0, 8000)
const CUMULATIVE = (() => {
  let sum = 0
  return VOCABULARY.map((_, rank) => (sum += 1 / (rank + 1)))
})()
function word(): string {
  const target = random() * CUMULATIVE.at(-1)!
  let low = 0
  let high = CUMULATIVE.length - 1
  while (low < high) {
    const mid = (low + high) >> 1
    if (CUMULATIVE[mid]! < target) low = mid + 1
    else high = mid
  }
  return VOCABULARY[low]!
}
const sentence = (words: number) => Array.from({ length: words }, word).join(" ")
const rank = (r: number) => VOCABULARY[r]!

// ---- agent streams from the recorded fixture

const TEMPLATE = readFileSync(join(ROOT, "test/fixtures/streams/opencode-edit.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((line) => {
    const { type, payload } = JSON.parse(line) as EventInput
    return { type, payload }
  })
// The reply's final text, marked to be replaced before anything else of the template is.
const TEMPLATE_TEXT = JSON.stringify(TEMPLATE).split("Edited notes.md.").join("@REPLY@")

/** One turn like the recorded one, with its own ids, prompt, file, edit, tool output and reply (streamed in 8-character deltas). */
export function turnEvents(tag: string, sentinel?: string): EventInput[] {
  const file = `src/${word()}/${word()}.ts`
  const replace: Array<[string, string]> = [
    ["second line, edited\\nthird line", `${sentence(8)}\\n${sentence(8)}`],
    ["second line", sentence(5)],
    ["Edit applied successfully.", `${sentence(10)}\\n${Array.from({ length: Math.floor(random() * 12) }, () => sentence(9)).join("\\n")}`],
    ["/tmp/iterate-fixture/project/notes.md", `/home/dev/project/${file}`],
    ["tmp/iterate-fixture/project/notes.md", `home/dev/project/${file}`],
    ["notes.md", file],
  ]
  let text = TEMPLATE_TEXT.replace(/"((?:msg|prt|evt|per|perm|call)_[A-Za-z0-9]+)"/g, `"$1_${tag}"`)
  for (const [from, to] of replace) text = text.split(from).join(to)
  const reply = `${sentence(25 + Math.floor(random() * 60))}${sentinel ? ` ${sentinel}` : ""}.`
  const events = JSON.parse(text.split("@REPLY@").join(reply)) as EventInput[]
  events[0]!.payload = { text: `${sentence(6 + Math.floor(random() * 14))} in ${file}` }
  // The reply: the template's two deltas become one per 8 characters, and its final text is the new reply.
  const deltas = events.filter((e) => (e.payload as { type?: string }).type === "message.part.delta")
  const at = events.indexOf(deltas[0]!)
  const delta = deltas[0]!
  const pieces = reply.match(/.{1,8}/gs)!.map((piece) => {
    const copy = structuredClone(delta) as { payload: { properties: { delta: string } } }
    copy.payload.properties.delta = piece
    return copy as EventInput
  })
  events.splice(at, deltas.length, ...pieces)
  return events
}


export const VOCAB = VOCABULARY
