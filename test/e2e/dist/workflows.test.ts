// The GitHub workflows cannot run here; what can be checked is that they parse, that their shell
// steps pass shellcheck, and that they run what this repository provides.
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { expect, test } from "vitest"
import { root } from "../../support/release-build.ts"
import { run } from "../../support/run-process.ts"
import { findTool, missing } from "../../support/tools.ts"

interface Step {
  run?: string
  shell?: string
}
interface Workflow {
  on: Record<string, unknown>
  jobs: Record<string, { steps: Step[]; permissions?: Record<string, string>; "timeout-minutes"?: number; strategy?: { matrix: { include: { target: string }[] } } }>
}

const load = (name: string) => Bun.YAML.parse(readFileSync(join(root, ".github/workflows", name), "utf8")) as Workflow
const commands = (workflow: Workflow, job: string) => workflow.jobs[job]!.steps.map((step) => step.run ?? "").join("\n")

test("ci.yml installs the tools the tests use and runs the test command within 15 minutes", () => {
  const ci = load("ci.yml")
  expect(commands(ci, "test")).toContain("scripts/ci-apt-packages.txt")
  expect(commands(ci, "test")).toMatch(/^bun run test$/m)
  expect(ci.jobs.test!["timeout-minutes"]).toBeLessThanOrEqual(15)
})

test("release.yml builds once on a tag, smoke-tests the macOS and Windows builds, publishes with provenance", () => {
  const release = load("release.yml")
  expect(release.on).toEqual({ push: { tags: ["v*"] } })
  expect(commands(release, "build")).toContain("bun scripts/build.ts --all")
  const smoked = release.jobs.smoke!.strategy!.matrix.include.map((entry) => entry.target)
  expect(smoked).toEqual(expect.arrayContaining(["darwin-arm64", "darwin-x64", "darwin-x64-baseline", "windows-x64", "windows-x64-baseline"]))
  expect(release.jobs.npm!.permissions).toMatchObject({ "id-token": "write" })
  expect(commands(release, "npm")).toContain("npm publish")
  expect(commands(release, "npm")).toContain("--provenance")
  expect(commands(release, "homebrew")).toContain("Formula/iterate.rb")
})

const shellcheck = findTool("shellcheck")
const noShellcheck = missing("linting the workflows' shell steps", { shellcheck: shellcheck !== undefined })
test.skipIf(noShellcheck)(`every bash step passes shellcheck${noShellcheck ? ` (${noShellcheck})` : ""}`, async () => {
  for (const name of ["ci.yml", "release.yml"]) {
    for (const [job, { steps }] of Object.entries(load(name).jobs)) {
      for (const step of steps.filter((s) => s.run && s.shell !== "pwsh")) {
        // GitHub substitutes ${{ … }} before the shell sees the script.
        const script = step.run!.replace(/\$\{\{[^}]*\}\}/g, "$GITHUB_EXPRESSION")
        const result = await run([shellcheck!, "--shell=bash", "-"], { stdin: script })
        expect(result.stdout, `${name} ${job}: ${step.run}`).toBe("")
      }
    }
  }
})
