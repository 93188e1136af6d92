// Agent ids and names. An id is six characters a person can read out and type (no 0/o, 1/l/i);
// a name is chosen by the user or taken from the working directory. Both answer wherever an agent
// is asked for, so they share one namespace.
import { basename } from "node:path"

const ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
const ID_LENGTH = 6
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/

/** `length` random characters from an alphabet without look-alikes. */
export function readableId(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length))
  return Array.from(bytes, (b) => ID_ALPHABET[b % ID_ALPHABET.length]).join("")
}

export const newAgentId = () => readableId(ID_LENGTH)

export function agentNameProblem(name: string): string | undefined {
  if (NAME.test(name)) return undefined
  return `invalid agent name ${JSON.stringify(name)}: use up to 63 letters, digits, . _ and -, starting with a letter or digit`
}

/** The directory's name made into an agent name, numbered when `taken` already has it. */
export function defaultAgentName(directory: string, taken: (name: string) => boolean): string {
  return numbered(basename(directory).replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 56) || "agent", taken)
}

// Words that say little about a task: dropped from a name made from its text.
const FILLER = new Set(
  "a an the to of for in on at by with from into and or but is are be it its this that these those please can could would should you i we my our me us some all add make fix create implement write update change use let so then also new".split(" "),
)

/** A name made from a task's text: its first words that say something (`add a --verbose flag` → `verbose-flag`), numbered when taken. */
export function nameFromText(text: string, taken: (name: string) => boolean): string {
  const words = text.toLowerCase().match(/[a-z0-9]+/g) ?? []
  const telling = words.filter((word) => !FILLER.has(word))
  const name = (telling.length > 0 ? telling : words).slice(0, 3).join("-").slice(0, 48).replace(/-+$/, "")
  return numbered(name || "agent", taken)
}

/** `base`, or `base-2`, `base-3` … the first that `taken` does not have. */
export function numbered(base: string, taken: (name: string) => boolean): string {
  if (!taken(base)) return base
  for (let n = 2; ; n++) if (!taken(`${base}-${n}`)) return `${base}-${n}`
}
