import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, normalize, relative } from "node:path"
import { expect, test } from "vitest"

// The layers of src/, top to bottom; an import may only point down this list (see
// docs/architecture.md). A folder's subfolders belong to it: src/cli/doctor is cli, src/agents/fleet
// is agents. The leaves import nothing above them and may use each other.
const LAYERS: string[][] = [
  ["index.ts"],
  ["cli"],
  ["acp", "web"],
  ["client"],
  ["server"],
  ["agents"],
  ["harness"],
  ["streams"],
  ["storage"],
  ["protocol", "paths", "config", "sdk", "discovery", "os", "sse", "transcript", "git", "errors.ts", "version.ts", "store-url.ts"],
]
const LEAVES = LAYERS.length - 1

const SRC = join(import.meta.dirname, "..", "..", "src")
const SPECIFIER = /(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return /\.tsx?$/.test(entry.name) ? [path] : []
  })
}

/** The top folder (or top-level file) of a path under src/. */
const top = (path: string) => relative(SRC, path).split("/")[0]!

function rank(path: string): number {
  const name = top(path)
  const found = LAYERS.findIndex((layer) => layer.includes(name))
  if (found < 0) throw new Error(`src/${name} is in no layer: add it to LAYERS and to docs/architecture.md`)
  return found
}

/** src/harness/<name>/ of a path, if it is in one. */
const harnessOf = (path: string) => /^harness\/([^/]+)\//.exec(relative(SRC, path))?.[1]

interface Edge {
  from: string
  to: string
}

function imports(): Edge[] {
  return sources(SRC).flatMap((from) =>
    [...readFileSync(from, "utf8").matchAll(SPECIFIER)].map((m) => ({ from, to: normalize(join(dirname(from), m[1]!)) })),
  )
}

const show = ({ from, to }: Edge) => `${relative(SRC, from)} -> ${relative(SRC, to)}`

test("every import in src/ points down the layers", () => {
  const up = imports().filter(({ from, to }) => {
    // The daemon embeds the web page's files (HTML, CSS, icons) as assets; it runs none of its code.
    if (!/\.tsx?$/.test(to)) return false
    if (top(from) === top(to)) return false
    const [a, b] = [rank(from), rank(to)]
    return !(b > a || (a === LEAVES && b === LEAVES))
  })
  expect(up.map(show)).toEqual([])
})

test("one harness's folder imports no other harness's", () => {
  // The registry (src/harness/index.ts, transcripts.ts) knows every harness; a harness knows only
  // the interface, the shared process helpers and itself.
  const across = imports().filter(({ from, to }) => {
    const [a, b] = [harnessOf(from), harnessOf(to)]
    return a !== undefined && b !== undefined && a !== b && b !== "process"
  })
  expect(across.map(show)).toEqual([])
})

test("no product code imports a test helper", () => {
  const TEST = join(SRC, "..", "test")
  expect(imports().filter(({ to }) => to.startsWith(TEST + "/")).map(show)).toEqual([])
})

test("the check sees the imports it judges", () => {
  // A rule that found no edges would pass for nothing: make sure the walk reads real imports.
  const edges = imports()
  expect(edges.length).toBeGreaterThan(500)
  expect(edges.some((e) => show(e) === "cli/program.ts -> errors.ts")).toBe(true)
})
