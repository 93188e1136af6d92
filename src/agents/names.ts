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
  const base = basename(directory).replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "").slice(0, 56) || "agent"
  if (!taken(base)) return base
  for (let n = 2; ; n++) if (!taken(`${base}-${n}`)) return `${base}-${n}`
}
