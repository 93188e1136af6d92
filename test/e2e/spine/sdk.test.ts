import { expect, test } from "vitest"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { ROOT } from "../../support/sandbox.ts"

function files(dir: string): Map<string, string> {
  const found = new Map<string, string>()
  for (const path of new Bun.Glob("**/*").scanSync({ cwd: dir })) found.set(path, readFileSync(join(dir, path), "utf8"))
  return found
}

test("the committed SDK is what the server's OpenAPI document generates today", () => {
  const out = mkdtempSync(join(tmpdir(), "iterate-sdk-"))
  try {
    const generate = Bun.spawnSync(["bun", "scripts/generate-sdk.ts", "--out", out], { cwd: ROOT, stderr: "pipe" })
    expect(generate.exitCode, generate.stderr.toString()).toBe(0)
    const fresh = files(out)
    const committed = files(join(ROOT, "src", "sdk"))
    expect([...committed.keys()].sort(), "file list (run: bun run generate:sdk)").toEqual([...fresh.keys()].sort())
    for (const [path, text] of fresh) expect(committed.get(path), `${relative(ROOT, join("src/sdk", path))} is stale (run: bun run generate:sdk)`).toBe(text)
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
})
