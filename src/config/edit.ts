// `iterate config`: reading and changing config.json by key, each change a minimal edit of the
// file's text (jsonc.ts) checked against the schema before it is written.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import { CliError, EXIT } from "../errors.ts"
import { dict } from "../protocol/json.ts"
import { knownKey, leaves } from "./keys.ts"
import { removeKey, setKey } from "./jsonc.ts"
import { configProblems, keyOf, SCHEMA_URL } from "./schema.ts"

/** The text a new config.json starts with: editors find the schema through `$schema`. */
export const NEW_CONFIG = `{\n  "$schema": ${JSON.stringify(SCHEMA_URL)}\n}\n`

/** `harnesses.opencode.binary` as ["harnesses", "opencode", "binary"]; a usage error when malformed. */
export function parseKey(key: string): string[] {
  const path = key.split(".")
  if (path.some((part) => part === "")) throw new CliError(`${key} is not a key: use names joined by dots, e.g. harnesses.opencode.binary`, EXIT.usage)
  return path
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8")
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`)
  }
}

function parse(file: string, text: string): Record<string, unknown> {
  let value: unknown
  try {
    value = Bun.JSONC.parse(text)
  } catch (error) {
    throw new CliError(`${file} is not valid JSON (${(error as Error).message}); fix it with: iterate config edit`)
  }
  const object = dict(value)
  if (!object) throw new CliError(`${file} must hold a JSON object; fix it with: iterate config edit`)
  return object
}

/** The parsed config (empty when there is no file). */
export function readConfigFile(file: string): Record<string, unknown> {
  const text = readText(file)
  return text === undefined ? {} : parse(file, text)
}

function lookup(config: unknown, path: string[]): unknown {
  let value = config
  for (const key of path) value = dict(value)?.[key]
  return value
}

/** What `config get` prints: strings as they are, anything else as JSON. */
export function getValue(file: string, key: string): string {
  const value = lookup(readConfigFile(file), parseKey(key))
  if (value === undefined) throw new CliError(`${key} is not set`)
  return typeof value === "string" ? value : JSON.stringify(value, null, 2)
}

/** `key=value` for every value set, depth first, in the file's order. */
export function listValues(file: string): string[] {
  return leaves(readConfigFile(file)).map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
}

/**
 * The JSON a `config set` value stands for. A key the schema types as a string takes the text as
 * it is; any other value is read as JSON when it parses (`true`, `3`, `["/src"]`), else as a string.
 */
export function valueJson(key: string, raw: string): string {
  if (knownKey(key)?.type === "string") return JSON.stringify(raw)
  try {
    JSON.parse(raw)
    return raw.trim()
  } catch {
    return JSON.stringify(raw)
  }
}

/** Problems the edited text has at or under `path`; problems elsewhere were there before and are not this edit's. */
function refuse(file: string, text: string, path: string[]): void {
  const key = keyOf(path)
  const problem = configProblems(parse(file, text)).find((p) => {
    const at = keyOf(p.path)
    return at === key || at.startsWith(`${key}.`) || at.startsWith(`${key}[`) || key.startsWith(`${at}.`)
  })
  if (problem) throw new CliError(problem.message, EXIT.usage)
}

/** Replaces the file atomically, keeping its mode; a new one is private, since it may hold a store URL's password. */
function writeText(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const mode = statSync(file, { throwIfNoEntry: false })?.mode ?? 0o600
  const temporary = `${file}.${process.pid}.tmp`
  writeFileSync(temporary, text, { mode: mode & 0o777 })
  renameSync(temporary, file)
}

export interface SetResult {
  /** the key is not one the schema names (it is set all the same) */
  unknown: boolean
}

export function setValue(file: string, key: string, raw: string): SetResult {
  const path = parseKey(key)
  const before = readText(file)
  if (before !== undefined) parse(file, before)
  const text = setKey(before ?? NEW_CONFIG, path, valueJson(key, raw))
  refuse(file, text, path)
  writeText(file, text)
  return { unknown: knownKey(key) === undefined }
}

/** Removes `key`; false when it was not set. */
export function unsetValue(file: string, key: string): boolean {
  const path = parseKey(key)
  const before = readText(file)
  if (before === undefined) return false
  parse(file, before)
  const text = removeKey(before, path)
  if (text === undefined) return false
  writeText(file, text)
  return true
}

/** Creates the file for `config edit` when there is none; true when it did. */
export function ensureFile(file: string): boolean {
  if (readText(file) !== undefined) return false
  writeText(file, NEW_CONFIG)
  return true
}

/** The first problem of the file as it is now, as one line; undefined when it is fine. */
export function fileProblem(file: string): string | undefined {
  try {
    const [problem] = configProblems(readConfigFile(file))
    return problem && `${file}: ${problem.message}`
  } catch (error) {
    return (error as Error).message
  }
}
