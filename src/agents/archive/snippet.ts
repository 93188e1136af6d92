// The piece of a matched text a hit shows: a window of about `width` characters around the place
// where the most of the query's terms are close together, on one line, with where each match is.
// Computed here from the text itself (not by either database), so both stores show the same.
import { type Term, wordsOf } from "./query.ts"

export interface Snippet {
  text: string
  /** [start, end) of each matched word run in `text`, in order */
  highlights: Array<[number, number]>
}

// Matches past this far into a text are not looked for: a snippet is about one place.
const SCAN_LIMIT = 200_000
const MAX_MATCHES = 500

interface Match {
  term: number
  start: number
  end: number
}

function matches(text: string, terms: Term[]): Match[] {
  const words = [...wordsOf(text.slice(0, SCAN_LIMIT))]
  const found: Match[] = []
  for (let i = 0; i < words.length && found.length < MAX_MATCHES; i++) {
    terms.forEach((term, t) => {
      const n = term.words.length
      if (i + n > words.length) return
      const same = term.words.every((w, k) => (term.prefix && k === n - 1 ? words[i + k]!.word.startsWith(w) : words[i + k]!.word === w))
      if (same) found.push({ term: t, start: words[i]!.start, end: words[i + n - 1]!.end })
    })
  }
  return found
}

/** Where the window starts: before the match that has the most distinct terms within `width` after it. */
function anchor(found: Match[], width: number): number {
  let best = { at: 0, terms: 0 }
  for (const first of found) {
    const terms = new Set(found.filter((m) => m.start >= first.start && m.end <= first.start + width).map((m) => m.term)).size
    if (terms > best.terms) best = { at: first.start, terms }
  }
  return best.at
}

/** The snippet of `text` for `terms`: the start of the text when none of them is found in it. */
export function snippet(text: string, terms: Term[], width = 160): Snippet {
  const found = matches(text, terms)
  const at = found.length > 0 ? anchor(found, width) : 0
  // Some context before the first match, starting at a word.
  let start = Math.max(0, at - Math.floor(width / 4))
  if (start > 0) {
    const space = text.slice(start, at).search(/\s/)
    if (space >= 0) start += space + 1
  }
  let end = Math.min(text.length, start + width)
  if (end < text.length) {
    const space = text.slice(start, end).search(/\s\S*$/)
    if (space > at - start) end = start + space
  }
  // Whitespace runs become one space; `map` takes each index of the window to its place in the output.
  const map: number[] = []
  let out = start > 0 ? "…" : ""
  let spaced = false
  for (let i = start; i < end; i++) {
    map.push(out.length)
    const c = text[i]!
    if (/\s/.test(c)) {
      if (!spaced && out !== "" && out !== "…") out += " "
      spaced = true
    } else {
      out += c
      spaced = false
    }
  }
  map.push(out.length)
  out = out.trimEnd()
  if (end < text.length) out += "…"
  const highlights: Array<[number, number]> = []
  for (const m of found.filter((m) => m.start >= start && m.end <= end).sort((a, b) => a.start - b.start)) {
    const [a, b] = [map[m.start - start]!, Math.min(map[m.end - start]!, out.length)]
    const last = highlights.at(-1)
    // Two terms may match the same words (`retry` and `retr*`): one highlight.
    if (last && a <= last[1]) last[1] = Math.max(last[1], b)
    else if (b > a) highlights.push([a, b])
  }
  return { text: out, highlights }
}
