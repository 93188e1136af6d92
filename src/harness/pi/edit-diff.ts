// Pi's edit tool reports its change as `details.diff` in a numbered format of its own: one line
// per changed or context line, "+N text" (N in the new file), "-N text" and " N text" (N in the
// old file), numbers padded to one width, and a "   ..." line where unchanged lines are left out
// between hunks. This turns it into the unified diff the transcript shows. Pure.
import type { Diff } from "../../transcript/diff.ts"

type Op = { op: "+" | "-" | " "; n: number; text: string }

const LINE = /^([+\- ]) *(\d+) (.*)$/
const GAP = /^ +\.\.\.$/

/** The unified diff of `path` that Pi's numbered diff describes; undefined when it is not one. */
export function unifiedFromPi(path: string, numbered: string): Diff | undefined {
  const hunks: Op[][] = [[]]
  for (const line of numbered.split("\n")) {
    if (GAP.test(line)) {
      hunks.push([])
      continue
    }
    const match = LINE.exec(line)
    if (!match) return undefined
    hunks.at(-1)!.push({ op: match[1] as Op["op"], n: Number(match[2]), text: match[3]! })
  }
  const side = (prefix: string) => (path.startsWith("/") ? path : `${prefix}/${path}`)
  const out = [`--- ${side("a")}`, `+++ ${side("b")}`]
  let additions = 0
  let deletions = 0
  // New-file line minus old-file line, before the line at hand.
  let delta = 0
  for (const hunk of hunks.filter((h) => h.length > 0)) {
    let oldStart: number | undefined
    let newStart: number | undefined
    let oldCount = 0
    let newCount = 0
    const body: string[] = []
    const startDelta = delta
    for (const { op, n, text } of hunk) {
      if (op !== "+") (oldStart ??= n), oldCount++
      if (op !== "-") (newStart ??= op === "+" ? n : n + delta), newCount++
      if (op === "+") additions++, delta++
      if (op === "-") deletions++, delta--
      body.push(op + text)
    }
    // A hunk with no line on one side starts after the line before it, as `diff -u` writes it.
    const first = hunk[0]!
    oldStart ??= first.n - startDelta - 1
    newStart ??= first.n + startDelta - 1
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`, ...body)
  }
  return { diff: out.join("\n") + "\n", additions, deletions }
}
