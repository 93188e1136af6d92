// The README and docs/*.md against the code, in process, with nothing built or started:
//   - every iterate command they show (a line of a ```sh block, or `iterate …` in the text) names a
//     command of the CLI's commander program, and only flags that command takes;
//   - the README's command table lists every command and every option;
//   - docs/config.md lists every key of config.json's schema;
//   - every file of the repository they name exists, and every link to a local file or heading resolves.
// A doc that shows a command the CLI does not have fails here; fix the doc, not this test.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import type { Command, Option } from "commander"
import { describe, expect, test } from "vitest"
import { buildProgram } from "../../../src/cli/program.ts"
import { configJsonSchema } from "../../../src/config/schema.ts"

const ROOT = resolve(import.meta.dirname, "../../..")

// Commands the SPEC has that are being built right now. A doc may name them before they land;
// once a command exists, it is checked like every other one, so an entry here only ever excuses a
// command the program does not have. Document nothing here as if it worked.
const NOT_BUILT_YET = new Set(["batch"])

interface Doc {
  /** path relative to the repository, e.g. docs/agents.md */
  name: string
  text: string
}

function docs(): Doc[] {
  const pages = readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`)
  return ["README.md", ...pages].map((name) => ({ name, text: readFileSync(join(ROOT, name), "utf8") }))
}

// ---- markdown ------------------------------------------------------------------------------

interface Fence {
  lang: string
  /** 1-based line of the first line inside the fence */
  line: number
  lines: string[]
}

/** The fenced code blocks of a page, and its text with every fence blanked (same line count). */
function splitFences(text: string): { fences: Fence[]; prose: string } {
  const fences: Fence[] = []
  const prose: string[] = []
  let open: { marker: string; fence: Fence } | undefined
  text.split("\n").forEach((line, i) => {
    const match = /^\s*(`{3,}|~{3,})\s*([\w+-]*)/.exec(line)
    if (open) {
      if (match && match[1]!.startsWith(open.marker) && line.trim() === match[1]) open = undefined
      else open.fence.lines.push(line)
      prose.push("")
    } else if (match) {
      const fence = { lang: match[2]!.toLowerCase(), line: i + 2, lines: [] }
      fences.push(fence)
      open = { marker: match[1]!, fence }
      prose.push("")
    } else prose.push(line)
  })
  return { fences, prose: prose.join("\n") }
}

/** Inline code spans of prose, with the line each starts on. */
function codeSpans(prose: string): { code: string; line: number }[] {
  const spans: { code: string; line: number }[] = []
  for (const match of prose.matchAll(/(`+)([^`][\s\S]*?)\1(?!`)/g)) {
    const line = prose.slice(0, match.index).split("\n").length
    spans.push({ code: match[2]!.replace(/\s+/g, " ").trim(), line })
  }
  return spans
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-")
}

function anchors(text: string): Set<string> {
  const seen = new Map<string, number>()
  const result = new Set<string>()
  for (const line of splitFences(text).prose.split("\n")) {
    const match = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line)
    if (!match) continue
    const base = slug(match[1]!)
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    result.add(n === 0 ? base : `${base}-${n}`)
  }
  return result
}

// ---- shell ---------------------------------------------------------------------------------

/** Splits a shell line into simple commands (at &&, ||, |, ;), each a list of words; stops at a comment. */
function shellCommands(line: string): string[][] {
  const commands: string[][] = [[]]
  let word: string | undefined
  let quote: string | undefined
  const end = () => {
    if (word !== undefined) commands[commands.length - 1]!.push(word)
    word = undefined
  }
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quote) {
      if (c === quote) quote = undefined
      else if (c === "\\" && quote === '"' && i + 1 < line.length) word = (word ?? "") + line[++i]
      else word = (word ?? "") + c
    } else if (c === "'" || c === '"') {
      quote = c
      word ??= ""
    } else if (c === "\\" && i + 1 < line.length) word = (word ?? "") + line[++i]
    else if (/\s/.test(c)) end()
    else if (c === "#" && word === undefined) break
    else if (c === "&" || c === "|" || c === ";") {
      end()
      if (line[i + 1] === c) i++
      commands.push([])
    } else word = (word ?? "") + c
  }
  end()
  return commands.filter((c) => c.length > 0)
}

/** The iterate commands of a ```sh block: each with the words after `iterate`. */
function shellInvocations(fence: Fence): { words: string[]; line: number; source: string }[] {
  const found: { words: string[]; line: number; source: string }[] = []
  for (let i = 0; i < fence.lines.length; i++) {
    const start = i
    let line = fence.lines[i]!
    while (line.endsWith("\\") && i + 1 < fence.lines.length) line = line.slice(0, -1) + " " + fence.lines[++i]
    line = line.replace(/^\s*\$\s+/, "")
    for (const words of shellCommands(line)) {
      const rest = invocation(words)
      if (rest) found.push({ words: rest, line: fence.line + start, source: line.trim() })
    }
  }
  return found
}

/** The words after the program for `iterate …` and `bun src/index.ts …`; undefined for anything else. */
function invocation(words: string[]): string[] | undefined {
  if (words[0] === "iterate") return words.slice(1)
  if (words[0] === "bun" && words[1] === "src/index.ts") return words.slice(2)
  return undefined
}

/** The words of a `iterate …` code span in prose: placeholders' brackets and ellipses dropped, alternatives split. */
function spanWords(code: string): string[] {
  return code
    .replace(/\\\|/g, "|")
    .split(" ")
    .map((w) => w.replace(/^\[+|\]+$|…$/g, ""))
    .flatMap((w) => (w.startsWith("-") ? w.split("|") : [w]))
    .filter((w) => w !== "")
}

// ---- the program ---------------------------------------------------------------------------

const internals = (command: Command) => command as unknown as { _hidden?: boolean; _defaultCommandName?: string }
const visible = (command: Command) => command.commands.filter((c) => !internals(c)._hidden)
const sub = (command: Command, name: string) => command.commands.find((c) => c.name() === name || c.aliases().includes(name))
const defaultSub = (command: Command) => {
  const name = internals(command)._defaultCommandName
  return name === undefined ? undefined : sub(command, name)
}
const option = (command: Command, flag: string) =>
  flag === "-h" || flag === "--help" ? ({ required: false, optional: false } as Option) : command.options.find((o) => o.long === flag || o.short === flag)
const takesValue = (o: Option) => o.required || o.optional
const pathOf = (command: Command): string => {
  const names: string[] = []
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name())
  return names.join(" ")
}

/**
 * Checks `iterate <words>` against the program as commander would parse it (positional options:
 * program options before the command name, the command's own after it). Returns the problems,
 * and the command reached.
 */
function check(program: Command, words: string[]): { problems: string[]; command?: Command } {
  const problems: string[] = []
  let command = program
  let settled = false // past the command path: the rest are arguments and options
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!
    if (word === "--") break
    if (/^-{1,2}[A-Za-z]/.test(word)) {
      const flag = word.split("=")[0]!
      if (command !== program && !settled && command.commands.length > 0) {
        // An option after a group's name goes to its default subcommand (`agents --json`).
        const fallback = defaultSub(command)
        if (fallback) command = fallback
        settled = true
      }
      const found = option(command, flag)
      if (!found) {
        problems.push(`${flag} is not an option of ${command === program ? "iterate (before the command name)" : `iterate ${pathOf(command)}`}`)
        continue
      }
      if (takesValue(found) && !word.includes("=") && i + 1 < words.length && !(found.optional && words[i + 1]!.startsWith("-"))) i++
      continue
    }
    if (settled) continue
    const next = sub(command, word)
    if (next) {
      command = next
      if (command.commands.length === 0) settled = true
      continue
    }
    if (command === program) {
      if (!NOT_BUILT_YET.has(word)) problems.push(`there is no command iterate ${word}`)
      return { problems }
    }
    // A word that is no subcommand is an argument of the default one (`remote list`), if it takes any.
    const fallback = defaultSub(command)
    if (!fallback || fallback.registeredArguments.length === 0) {
      problems.push(`there is no command iterate ${pathOf(command)} ${word}`)
      return { problems }
    }
    command = fallback
    settled = true
  }
  return { problems, command }
}

// ---- the tests -----------------------------------------------------------------------------

describe("the commands the docs show exist", () => {
  const program = buildProgram()
  for (const doc of docs()) {
    test(doc.name, () => {
      const { fences, prose } = splitFences(doc.text)
      const problems: string[] = []
      let checked = 0
      for (const fence of fences.filter((f) => ["sh", "bash", "shell", "console"].includes(f.lang))) {
        for (const { words, line, source } of shellInvocations(fence)) {
          checked++
          for (const problem of check(program, words).problems) problems.push(`${doc.name}:${line}: ${problem} — ${source}`)
        }
      }
      for (const { code, line } of codeSpans(prose)) {
        const words = invocation(spanWords(code))
        if (!words || !/^(iterate|bun src\/index\.ts) /.test(code)) continue
        checked++
        for (const problem of check(program, words).problems) problems.push(`${doc.name}:${line}: ${problem} — \`${code}\``)
      }
      expect(problems).toEqual([])
      if (doc.name === "README.md") expect(checked).toBeGreaterThan(30)
    })
  }
})

describe("the README's command table", () => {
  const program = buildProgram()
  const readme = readFileSync(join(ROOT, "README.md"), "utf8")
  const section = readme.split(/^## /m).find((s) => s.startsWith("Commands\n"))

  /** What each row's first cell documents: command path → the flags shown for it. */
  function documented(): Map<string, Set<string>> {
    const shown = new Map<string, Set<string>>()
    const inherits: [string, string][] = []
    for (const row of (section ?? "").split("\n").filter((l) => l.startsWith("| `"))) {
      const cell = row.split(/(?<!\\)\|/)[1] ?? ""
      let group: Command | undefined
      for (const { code } of codeSpans(cell)) {
        let words = spanWords(code)
        if (words[0] === "iterate") words = words.slice(1)
        const top = words[0] === undefined ? undefined : sub(program, words[0])
        if (top) {
          group = top
          words = words.slice(1)
        }
        if (!group) continue
        let command = group
        const next = words[0] === undefined ? undefined : sub(command, words[0])
        if (next) {
          command = next
          words = words.slice(1)
        } else if (command.commands.length > 0) command = defaultSub(command) ?? command
        const path = pathOf(command)
        const flags = shown.get(path) ?? new Set<string>()
        shown.set(path, flags)
        for (const word of words) if (word.startsWith("-")) flags.add(word)
        // `[serve flags]`: every flag shown for `iterate serve`.
        const like = /\[(\S+) flags\]/.exec(code)
        if (like) inherits.push([path, like[1]!])
      }
    }
    for (const [path, from] of inherits) for (const flag of shown.get(from) ?? []) shown.get(path)!.add(flag)
    return shown
  }

  test("lists every command and every option", () => {
    expect(section, "README.md has a ## Commands section").toBeDefined()
    const shown = documented()
    const problems: string[] = []
    const walk = (command: Command) => {
      for (const child of visible(command)) {
        if (child.commands.length > 0) {
          walk(child)
          continue
        }
        const path = pathOf(child)
        const flags = shown.get(path)
        if (!flags) {
          problems.push(`iterate ${path} is not in the table`)
          continue
        }
        // --server is every client command's, documented once under the table.
        for (const o of child.options.filter((o) => o.long !== "--server")) {
          if (!(o.long && flags.has(o.long)) && !(o.short && flags.has(o.short))) problems.push(`iterate ${path} ${o.long ?? o.short} is not in the table`)
        }
      }
    }
    walk(program)
    expect(problems).toEqual([])
  })
})

test("docs/config.md lists every key of config.json", () => {
  const page = readFileSync(join(ROOT, "docs", "config.md"), "utf8")
  type Schema = { properties?: Record<string, Schema>; type?: string | string[] }
  const keys: string[] = []
  const walk = (schema: Schema, prefix: string) => {
    for (const [name, child] of Object.entries(schema.properties ?? {})) {
      if (name === "$schema") continue
      if (child.properties) walk(child, `${prefix}${name}.`)
      else keys.push(`${prefix}${name}`)
    }
  }
  walk(JSON.parse(configJsonSchema()) as Schema, "")
  expect(keys.length).toBeGreaterThan(10)
  expect(keys.filter((key) => !page.includes(`\`${key}\``))).toEqual([])
})

test("every file of the repository the docs name in code exists", () => {
  // `src/harness/harness.ts`, `test/e2e/acp/acp.test.ts`, `scripts/ci-apt-packages.txt` …; not
  // placeholders (`src/harness/<name>/`) and not what a build writes (`dist/`).
  const problems: string[] = []
  let checked = 0
  for (const doc of docs()) {
    for (const { code, line } of codeSpans(splitFences(doc.text).prose)) {
      if (!/^(src|test|scripts|schema|docs|npm|homebrew|\.github|\.ci)\/[\w./-]*$/.test(code)) continue
      checked++
      if (!existsSync(join(ROOT, code))) problems.push(`${doc.name}:${line}: ${code} does not exist`)
    }
  }
  expect(checked).toBeGreaterThan(20)
  expect(problems).toEqual([])
})

test("every local link and anchor in the docs resolves", () => {
  const problems: string[] = []
  const anchorsOf = new Map<string, Set<string>>()
  const anchorsFor = (file: string) => {
    if (!anchorsOf.has(file)) anchorsOf.set(file, anchors(readFileSync(file, "utf8")))
    return anchorsOf.get(file)!
  }
  let checked = 0
  for (const doc of docs()) {
    const file = join(ROOT, doc.name)
    // Links in prose only: code spans and fences are not links.
    const prose = splitFences(doc.text).prose.replace(/(`+)[^`][\s\S]*?\1(?!`)/g, (span) => span.replace(/[^\n]/g, " "))
    for (const match of prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = match[1]!
      if (/^[a-z][a-z+.-]*:/i.test(target)) continue // https:, mailto: …
      checked++
      const line = prose.slice(0, match.index).split("\n").length
      const where = `${doc.name}:${line}: ${target}`
      const [path, anchor] = target.split("#", 2) as [string, string | undefined]
      const resolved = path === "" ? file : resolve(dirname(file), decodeURIComponent(path))
      const inside = !relative(ROOT, resolved).startsWith("..")
      if (!inside) {
        // The one file outside the repository: the product contract, in ../shared beside the clone.
        const spec = resolve(ROOT, "..", "shared", "SPEC.md")
        if (resolved !== spec) problems.push(`${where} leaves the repository`)
        else if (existsSync(dirname(spec)) && !existsSync(spec)) problems.push(`${where} does not exist`)
        continue
      }
      if (!existsSync(resolved)) {
        problems.push(`${where} does not exist`)
        continue
      }
      if (anchor !== undefined) {
        if (!resolved.endsWith(".md") || statSync(resolved).isDirectory()) problems.push(`${where}: an anchor into something that is not a page`)
        else if (!anchorsFor(resolved).has(anchor)) problems.push(`${where}: no such heading in ${relative(ROOT, resolved)}`)
      }
    }
  }
  expect(checked).toBeGreaterThan(50)
  expect(problems).toEqual([])
})
