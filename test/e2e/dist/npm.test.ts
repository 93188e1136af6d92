// The npm packages, installed by the real npm from a loopback registry holding dist/npm.
import { readFileSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import pkg from "../../../package.json" with { type: "json" }
import { candidates } from "../../../npm/iterate/lib/targets.js"
import { type Registry, npmUser, packageManifest, serveRegistry } from "../../support/npm-registry.ts"
import { ensureRelease, npmDir, releaseBuildTimeout, releaseDir } from "../../support/release-build.ts"
import { run, runOk } from "../../support/run-process.ts"
import { scratchDir } from "../../support/scratch.ts"

let registry: Registry

beforeAll(async () => {
  await ensureRelease()
  registry = await serveRegistry([npmDir])
}, releaseBuildTimeout)
afterAll(() => registry.stop())

/** `npm i -g --prefix <tmp> iterate …` as a fresh user; gives the prefix and that user's environment. */
async function installGlobally(...npmArgs: string[]) {
  const home = scratchDir("npm")
  const env = npmUser(registry, home)
  const prefix = join(home, "prefix")
  await runOk(["npm", "install", "--global", "--prefix", prefix, ...npmArgs, "iterate"], { env })
  const launcher = join(prefix, "lib/node_modules/iterate/bin/iterate")
  return { env, prefix, bin: join(prefix, "bin/iterate"), launcher }
}

/** A project dependency without optional dependencies (global installs ignore --omit=optional). */
async function installWithoutPlatformPackages() {
  const home = scratchDir("npm")
  const env = npmUser(registry, home)
  await runOk(["npm", "install", "--ignore-scripts", "--omit=optional", "iterate"], { env, cwd: home })
  return { env, bin: join(home, "node_modules/.bin/iterate"), launcher: join(home, "node_modules/iterate/bin/iterate") }
}

const isElf = (path: string) => readFileSync(path).subarray(0, 4).equals(Buffer.from("\x7fELF", "latin1"))

test("no package has an install script to block", async () => {
  for (const file of readdirSync(npmDir)) {
    const manifest = await packageManifest(await Bun.file(join(npmDir, file)).bytes())
    expect(Object.keys(manifest.scripts ?? {}), file).toEqual([])
  }
})

describe.each([
  ["with install scripts blocked (--ignore-scripts, npm 12's default)", ["--ignore-scripts"]],
  ["with npm 11's default settings", []],
])("npm i -g iterate %s", (_, npmArgs) => {
  test("installs only the platform packages this machine can run, and iterate --version works", async () => {
    const before = registry.downloads.length
    const { prefix, bin, env } = await installGlobally(...npmArgs)
    const host = candidates()[0]!
    const downloaded = registry.downloads.slice(before).sort()
    expect(downloaded).toEqual([`iterate-${pkg.version}.tgz`, `iterate-${host}-${pkg.version}.tgz`, `iterate-${host}-baseline-${pkg.version}.tgz`].sort())
    expect(readdirSync(join(prefix, "lib/node_modules/iterate/node_modules")).sort()).toEqual([`iterate-${host}`, `iterate-${host}-baseline`])
    expect((await runOk([bin, "--version"], { env })).stdout).toBe(`${pkg.version}\n`)
  })
})

describe("the launcher", () => {
  test("replaces itself with the native binary on its first run, so later runs skip Node", async () => {
    const { bin, launcher, prefix, env } = await installGlobally("--ignore-scripts")
    expect(readFileSync(launcher, "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/)
    expect((await runOk([bin, "--version"], { env })).stdout).toBe(`${pkg.version}\n`)
    expect(isElf(launcher)).toBe(true)
    const native = join(prefix, `lib/node_modules/iterate/node_modules/iterate-${candidates()[0]}/bin/iterate`)
    expect(statSync(launcher).ino).toBe(statSync(native).ino)
    // Node is no longer needed at all.
    expect((await runOk([bin, "--version"], { env: { ...env, PATH: "/nonexistent" } })).stdout).toBe(`${pkg.version}\n`)
  })

  test("passes arguments, output and exit codes through on its first run", async () => {
    const { bin, launcher, env } = await installGlobally("--ignore-scripts")
    const result = await run([bin, "no-such-command"], { env })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("unknown command 'no-such-command'")
    expect(isElf(launcher)).toBe(true)
  })

  test("without a platform package it names what it looked for, in one line", async () => {
    const { bin, launcher, env } = await installWithoutPlatformPackages()
    const result = await run([bin, "--version"], { env })
    expect(result.code).toBe(1)
    expect(result.stdout).toBe("")
    const lines = result.stderr.trimEnd().split("\n")
    expect(lines).toHaveLength(1)
    for (const name of candidates()) expect(lines[0]).toContain(`iterate-${name}`)
    expect(lines[0]).toContain("ITERATE_BINARY_PATH")
    expect(readFileSync(launcher, "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/)
  })

  test("ITERATE_BINARY_PATH names the binary to run, and the launcher stays a launcher", async () => {
    const { bin, launcher, env } = await installWithoutPlatformPackages()
    const dir = scratchDir("own")
    await runOk(["tar", "-xzf", join(releaseDir, `iterate-${candidates()[0]}.tar.gz`), "-C", dir])
    const result = await runOk([bin, "--version"], { env: { ...env, ITERATE_BINARY_PATH: join(dir, "iterate") } })
    expect(result.stdout).toBe(`${pkg.version}\n`)
    expect(readFileSync(launcher, "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/)
  })
})
