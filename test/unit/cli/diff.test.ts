// How `iterate diff` prints: git's --stat lines (counts, a +/- graph scaled to fit, the totals)
// and git's colours on a terminal.
import { describe, expect, test } from "vitest"
import { colorPatch, statLines } from "../../../src/cli/diff.ts"

const file = (path: string, additions: number, deletions: number, extra: object = {}) => ({ path, status: "modified" as const, additions, deletions, binary: false, ...extra })

describe("iterate diff's output", () => {
  test("--stat: a line per file as git prints it, renames and binary files included, then the totals", () => {
    expect(statLines([file("src/a.ts", 3, 2), file("new.txt", 1, 0, { status: "added" }), file("b.ts", 0, 0, { oldPath: "a.ts", status: "renamed" }), file("logo.png", 0, 0, { binary: true })], false)).toEqual([
      " src/a.ts     | 5 +++--",
      " new.txt      | 1 +",
      " a.ts => b.ts | 0",
      " logo.png     | Bin",
      " 4 files changed, 4 insertions(+), 2 deletions(-)",
    ])
    expect(statLines([file("x", 0, 1)], false)).toEqual([" x | 1 -", " 1 file changed, 1 deletion(-)"])
    // A large change is scaled to a 40-column graph.
    expect(statLines([file("big", 300, 100)], false)[0]).toBe(` big | 400 ${"+".repeat(30)}${"-".repeat(10)}`)
  })

  test("a terminal gets git's colours: headers bold, hunk headers cyan, added green, removed red", () => {
    const patch = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n"
    expect(colorPatch(patch)).toBe("\x1b[1mdiff --git a/x b/x\x1b[0m\n\x1b[1m--- a/x\x1b[0m\n\x1b[1m+++ b/x\x1b[0m\n\x1b[36m@@ -1 +1 @@\x1b[0m\n\x1b[31m-old\x1b[0m\n\x1b[32m+new\x1b[0m\n")
  })
})
