// The diffs file-edit parts carry when a harness reports only the text before and after.
import { describe, expect, test } from "vitest"
import { countChanges, unifiedDiff } from "../../../src/transcript/diff.ts"

const numbered = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join("\n") + "\n"

describe("unified diffs", () => {
  test("a new file is all additions against /dev/null", () => {
    expect(unifiedDiff("x.txt", "", "hello\nworld\n")).toEqual({
      diff: "--- /dev/null\n+++ b/x.txt\n@@ -0,0 +1,2 @@\n+hello\n+world\n",
      additions: 2,
      deletions: 0,
    })
  })

  test("changes far apart get their own hunks with three lines of context, as diff -u makes them", () => {
    const after = numbered(20).replace("line 3\n", "line three\n").replace("line 18\n", "")
    expect(unifiedDiff("y.txt", numbered(20), after).diff).toBe(
      [
        "--- a/y.txt",
        "+++ b/y.txt",
        "@@ -1,6 +1,6 @@",
        " line 1",
        " line 2",
        "-line 3",
        "+line three",
        " line 4",
        " line 5",
        " line 6",
        "@@ -15,6 +15,5 @@",
        " line 15",
        " line 16",
        " line 17",
        "-line 18",
        " line 19",
        " line 20",
        "",
      ].join("\n"),
    )
  })

  test("an absolute path keeps no a/ b/ prefix; a removed file counts its deletions", () => {
    const { diff, additions, deletions } = unifiedDiff("/p/w.txt", "a\nb\n", "")
    expect(diff).toBe("--- /p/w.txt\n+++ /p/w.txt\n@@ -1,2 +0,0 @@\n-a\n-b\n")
    expect({ additions, deletions }).toEqual({ additions: 0, deletions: 2 })
    expect(countChanges(diff)).toEqual({ additions: 0, deletions: 2 })
  })
})
