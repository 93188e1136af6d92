// What a search asks for, the same on both stores. Text is cut into words the way SQLite's
// unicode61 tokenizer cuts it: runs of letters and digits, lower case, accents dropped, so
// `src/app/retry.ts` is the words src, app, retry, ts. A query is words (all must match) and
// "quoted phrases" (their words in a row); a word (or a phrase's last word) ending in `*` matches
// as a prefix. A word of punctuation-joined parts (a path, `foo.bar`) is a phrase of its parts.

export interface Term {
  /** the words, in order */
  words: string[]
  /** the last word matches every word that begins with it */
  prefix: boolean
}

const WORD = /[\p{L}\p{N}\p{M}]+/gu
const MARKS = /\p{M}/gu

/** A word as it is indexed: lower case, without accents. */
export const fold = (word: string) => word.normalize("NFD").replace(MARKS, "").toLowerCase()

/** Each word of `text` with where it is, in order. */
export function* wordsOf(text: string): Generator<{ word: string; start: number; end: number }> {
  for (const match of text.matchAll(WORD)) {
    const word = fold(match[0])
    if (word !== "") yield { word, start: match.index, end: match.index + match[0].length }
  }
}

/** The terms of a query; empty when it holds no word. */
export function parseQuery(query: string): Term[] {
  const terms: Term[] = []
  for (const match of query.matchAll(/"([^"]*)"(\*?)|(\S+)/g)) {
    const raw = match[1] ?? match[3]!
    const prefix = match[2] === "*" || (match[3] !== undefined && raw.endsWith("*"))
    const words = [...wordsOf(raw)].map((w) => w.word)
    if (words.length > 0) terms.push({ words, prefix })
  }
  return terms
}

/** The query in FTS5's syntax: each term a quoted phrase (words are letters and digits only, so nothing needs escaping). */
export const ftsMatch = (terms: Term[]) => terms.map((t) => `"${t.words.join(" ")}"${t.prefix ? " *" : ""}`).join(" AND ")

/** The query as a PostgreSQL tsquery literal (cast with ::tsquery, so no parser changes a word). */
export const tsQuery = (terms: Term[]) =>
  terms.map((t) => `(${t.words.map((w, i) => `'${w}'${t.prefix && i === t.words.length - 1 ? ":*" : ""}`).join(" <-> ")})`).join(" & ")

// PostgreSQL keeps positions up to 16383 and refuses a word of 2 KiB or more; words that long are
// no words a person searches for (base64, minified code).
const MAX_POSITION = 16383
const MAX_WORD = 200

/** The text's words as a PostgreSQL tsvector literal (cast with ::tsvector): each word with its positions. */
export function tsVector(text: string): string {
  const positions = new Map<string, number[]>()
  let at = 0
  for (const { word } of wordsOf(text)) {
    at = Math.min(at + 1, MAX_POSITION)
    if (word.length > MAX_WORD) continue
    const list = positions.get(word)
    if (!list) positions.set(word, [at])
    else if (list.at(-1) !== at && list.length < 256) list.push(at)
  }
  return [...positions].map(([word, list]) => `'${word}':${list.join(",")}`).join(" ")
}
