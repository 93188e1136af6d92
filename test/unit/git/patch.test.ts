// Reading git's own diffs: every kind of file change git prints, from real repositories, into
// files and hunks whose counts agree with git's --numstat.
import { describe, expect, test } from "vitest"
import { diffPatch, diffStat } from "../../../src/git/diff.ts"
import { parsePatch, unquotePath } from "../../../src/git/patch.ts"
import { testRepo } from "../../support/git-repo.ts"

const numbered = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join("\n") + "\n"

describe("git's unified diff, parsed", () => {
  test("a modified, an added, a deleted and a renamed file, with their hunks and counts", async () => {
    const repo = testRepo({ "a.txt": numbered(20), "gone.txt": "bye\n", "old name.txt": numbered(10) })
    const before = repo.head()
    repo.write("a.txt", numbered(20).replace("line 3\n", "line three\n").replace("line 18\n", ""))
    repo.write("new/file.ts", "export const x = 1\n")
    repo.git(["rm", "--quiet", "gone.txt"])
    repo.git(["mv", "old name.txt", "new name.txt"])
    const after = repo.commit("changes")

    const { patch, files } = await diffPatch(repo.root, before, after)
    expect(patch.startsWith("diff --git a/a.txt b/a.txt\n")).toBe(true)
    expect(files.map(({ hunks: _, ...file }) => file)).toEqual([
      { path: "a.txt", status: "modified", additions: 1, deletions: 2, binary: false },
      { path: "gone.txt", status: "deleted", additions: 0, deletions: 1, binary: false },
      { path: "new name.txt", oldPath: "old name.txt", status: "renamed", additions: 0, deletions: 0, binary: false },
      { path: "new/file.ts", status: "added", additions: 1, deletions: 0, binary: false },
    ])
    expect(files[0]!.hunks).toEqual([
      { header: "@@ -1,6 +1,6 @@", oldStart: 1, oldLines: 6, newStart: 1, newLines: 6, lines: [" line 1", " line 2", "-line 3", "+line three", " line 4", " line 5", " line 6"] },
      { header: "@@ -15,6 +15,5 @@ line 14", oldStart: 15, oldLines: 6, newStart: 15, newLines: 5, lines: [" line 15", " line 16", " line 17", "-line 18", " line 19", " line 20"] },
    ])
    expect(files[3]!.hunks).toEqual([{ header: "@@ -0,0 +1 @@", oldStart: 0, oldLines: 0, newStart: 1, newLines: 1, lines: ["+export const x = 1"] }])

    // The stat (no patch made) says the same per file.
    const stat = await diffStat(repo.root, before, after)
    expect(stat).toEqual(files.map(({ hunks: _, ...file }) => file))
  })

  test("binary files, a missing newline at the end, and paths git quotes", async () => {
    const repo = testRepo({ "tab\there.txt": "x\n", "ünïcode.md": "a\n" })
    const before = repo.head()
    repo.write("image.bin", "\u0000\u0001\u0002binary")
    repo.write("tab\there.txt", "x\ny")
    repo.write("ünïcode.md", "b\n")
    const after = repo.commit("more")

    const { files } = await diffPatch(repo.root, before, after)
    expect(files.map(({ path, status, binary, additions, deletions }) => ({ path, status, binary, additions, deletions }))).toEqual([
      { path: "image.bin", status: "added", binary: true, additions: 0, deletions: 0 },
      { path: "tab\there.txt", status: "modified", binary: false, additions: 1, deletions: 0 },
      { path: "ünïcode.md", status: "modified", binary: false, additions: 1, deletions: 1 },
    ])
    expect(files[1]!.hunks[0]!.lines).toEqual([" x", "+y", "\\ No newline at end of file"])
    expect(await diffStat(repo.root, before, after)).toEqual(files.map(({ hunks: _, ...file }) => file))
  })

  test("a user's diff settings (no prefixes, colour, external tools) do not change what is read", async () => {
    const repo = testRepo({ "a.txt": "one\n" })
    const before = repo.head()
    repo.write("a.txt", "two\n")
    const after = repo.commit("edit")
    for (const [key, value] of [["diff.noprefix", "true"], ["color.ui", "always"], ["diff.external", "false"], ["diff.relative", "true"]]) repo.git(["config", key!, value!])
    const { patch, files } = await diffPatch(repo.root, before, after)
    expect(patch).toContain("--- a/a.txt\n+++ b/a.txt\n")
    expect(patch).not.toContain("\x1b[")
    expect(files).toEqual([{ path: "a.txt", status: "modified", additions: 1, deletions: 1, binary: false, hunks: [expect.objectContaining({ lines: ["-one", "+two"] })] }])
  })

  test("C-quoted paths are unquoted, octal bytes as UTF-8", () => {
    expect(unquotePath('"a\\tb\\"c\\\\d"')).toBe('a\tb"c\\d')
    expect(unquotePath('"\\303\\274.txt"')).toBe("ü.txt")
    expect(unquotePath("plain.txt")).toBe("plain.txt")
    expect(parsePatch("")).toEqual([])
  })
})
