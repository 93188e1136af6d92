// Unified diffs for file edits whose harness reports only the text before and after (Claude
// Code's Edit and Write, Pi's edit, opencode's write), and counting the lines of one that a
// harness sends ready-made. Pure, for the browser too.

export interface Diff {
  diff: string
  additions: number
  deletions: number
}

const CONTEXT = 3

type Op = { op: " " | "-" | "+"; line: string }

/** The edit script from `a` to `b` (Myers' O(ND) algorithm), as kept, removed and added lines. */
function editScript(a: string[], b: string[]): Op[] {
  const n = a.length
  const m = b.length
  const max = n + m
  const v = new Int32Array(2 * max + 2)
  const trace: Int32Array[] = []
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice())
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[max + k - 1]! < v[max + k + 1]!) ? v[max + k + 1]! : v[max + k - 1]! + 1
      let y = x - k
      while (x < n && y < m && a[x] === b[y]) x++, y++
      v[max + k] = x
      if (x >= n && y >= m) break outer
    }
  }
  const ops: Op[] = []
  let x = n
  let y = m
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!
    const k = x - y
    const prevK = k === -d || (k !== d && vd[max + k - 1]! < vd[max + k + 1]!) ? k + 1 : k - 1
    const prevX = vd[max + prevK]!
    const prevY = prevX - prevK
    while (x > prevX && y > prevY) ops.push({ op: " ", line: a[--x]! }), y--
    if (d === 0) break
    if (x === prevX) ops.push({ op: "+", line: b[--y]! })
    else ops.push({ op: "-", line: a[--x]! })
  }
  return ops.reverse()
}

const lines = (text: string) => (text === "" ? [] : text.replace(/\n$/, "").split("\n"))

/** A unified diff of `path` from `before` to `after` (empty `before`: a new file). */
export function unifiedDiff(path: string, before: string, after: string): Diff {
  const ops = editScript(lines(before), lines(after))
  // git's a/ and b/ prefixes for relative paths; an absolute path stands as it is.
  const side = (prefix: string) => (path.startsWith("/") ? path : `${prefix}/${path}`)
  const out = [`--- ${before === "" ? "/dev/null" : side("a")}`, `+++ ${side("b")}`]
  let additions = 0
  let deletions = 0
  // Hunks: runs of changes with up to CONTEXT unchanged lines around them.
  let i = 0
  let aLine = 1
  let bLine = 1
  while (i < ops.length) {
    if (ops[i]!.op === " ") {
      i++, aLine++, bLine++
      continue
    }
    let start = i
    let back = 0
    while (start > 0 && back < CONTEXT && ops[start - 1]!.op === " ") start--, back++
    let end = i
    for (let quiet = 0; end < ops.length && quiet <= 2 * CONTEXT; end++) quiet = ops[end]!.op === " " ? quiet + 1 : 0
    // Leave out trailing context beyond CONTEXT lines.
    let trailing = 0
    while (end > i && ops[end - 1]!.op === " ") end--, trailing++
    end += Math.min(trailing, CONTEXT)
    const hunk = ops.slice(start, end)
    const aStart = aLine - back
    const bStart = bLine - back
    const aCount = hunk.filter((o) => o.op !== "+").length
    const bCount = hunk.filter((o) => o.op !== "-").length
    out.push(`@@ -${aCount ? aStart : aStart - 1},${aCount} +${bCount ? bStart : bStart - 1},${bCount} @@`)
    for (const o of hunk) {
      out.push(o.op + o.line)
      if (o.op === "+") additions++
      if (o.op === "-") deletions++
    }
    for (let j = i; j < end; j++) {
      if (ops[j]!.op !== "+") aLine++
      if (ops[j]!.op !== "-") bLine++
    }
    i = end
  }
  return { diff: out.join("\n") + "\n", additions, deletions }
}

/** Added and removed lines of a unified diff that a harness sent ready-made. */
export function countChanges(diff: string): Omit<Diff, "diff"> {
  let additions = 0
  let deletions = 0
  for (const line of diff.split("\n")) {
    if (line.startsWith("+") && !line.startsWith("+++")) additions++
    else if (line.startsWith("-") && !line.startsWith("---")) deletions++
  }
  return { additions, deletions }
}
