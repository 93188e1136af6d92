// The Homebrew formula written from homebrew/iterate.rb.tmpl for the release in dist/release.
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, expect, test } from "vitest"
import pkg from "../../../package.json" with { type: "json" }
import { ensureRelease, homebrewFormula, releaseBuildTimeout, releaseDir, root } from "../../support/release-build.ts"
import { run, runOk } from "../../support/run-process.ts"
import { scratchDir } from "../../support/scratch.ts"
import { findTool, missing } from "../../support/tools.ts"

beforeAll(ensureRelease, releaseBuildTimeout)

function sums(): Map<string, string> {
  const lines = readFileSync(join(releaseDir, "SHA256SUMS"), "utf8").trim().split("\n")
  return new Map(lines.map((line) => [line.slice(66), line.slice(0, 64)]))
}

test("every url is an archive of this version's GitHub release, with the sha256 SHA256SUMS gives it", () => {
  const formula = readFileSync(homebrewFormula, "utf8")
  const pairs = [...formula.matchAll(/url "([^"]+)"\s+sha256 "([0-9a-f]{64})"/g)]
  const base = `${pkg.homepage}/releases/download/v${pkg.version}/`
  const files = pairs.map(([, url]) => url!.slice(base.length))
  expect(pairs.map(([, url]) => url!.slice(0, base.length))).toEqual(files.map(() => base))
  expect(files.sort()).toEqual(
    ["darwin-arm64", "darwin-x64", "darwin-x64-baseline", "linux-arm64", "linux-x64", "linux-x64-baseline"].map(
      (target) => `iterate-${target}.tar.gz`,
    ).sort(),
  )
  for (const [, url, sha] of pairs) expect(sha, url).toBe(sums().get(url!.slice(base.length)))
  expect(formula).toContain(`version "${pkg.version}"`)
})

test("it installs the binary and its bash, zsh and fish completions, tests it by running it, and has a livecheck", () => {
  const formula = readFileSync(homebrewFormula, "utf8")
  // Homebrew runs `iterate completion bash|zsh|fish` and puts each script where its shell looks.
  expect(formula).toMatch(/def install\n\s+bin\.install "iterate"\n\s+generate_completions_from_executable\(bin\/"iterate", "completion"\)\n\s+end/)
  expect(formula).toMatch(/test do\n\s+assert_equal version\.to_s, shell_output\("#\{bin\}\/iterate --version"\)\.strip/)
  expect(formula).toMatch(/livecheck do\n\s+url :stable\n\s+strategy :github_latest\n\s+end/)
})

const ruby = findTool("ruby")
const noRuby = missing("checking the formula's Ruby syntax", { ruby: ruby !== undefined })
test.skipIf(noRuby)(`ruby -c accepts the formula${noRuby ? ` (${noRuby})` : ""}`, async () => {
  expect((await runOk([ruby!, "-c", homebrewFormula])).stdout).toBe("Syntax OK\n")
})

test("the generator refuses a release whose SHA256SUMS lacks an archive the formula needs", async () => {
  const dir = scratchDir("brew")
  const partial = [...sums()].filter(([file]) => file !== "iterate-linux-arm64.tar.gz")
  writeFileSync(join(dir, "SHA256SUMS"), partial.map(([file, sha]) => `${sha}  ${file}\n`).join(""))
  const result = await run(["bun", "scripts/homebrew.ts", "--release", dir, "--out", join(dir, "iterate.rb")], { cwd: root })
  expect(result.code).toBe(1)
  expect(result.stderr).toBe("homebrew: SHA256SUMS has no entry for iterate-linux-arm64.tar.gz, which the formula needs\n")
})
