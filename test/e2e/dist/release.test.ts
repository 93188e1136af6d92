// The release build: one archive per SPEC target plus SHA256SUMS, each archive holding a binary for its
// platform that reports the package version.
import { readdirSync } from "node:fs"
import { join } from "node:path"
import { beforeAll, describe, expect, test, vi } from "vitest"
import pkg from "../../../package.json" with { type: "json" }
import { elf, machO, pe } from "../../support/executable-headers.ts"
import { ensureRelease, releaseBuildTimeout, releaseDir, root } from "../../support/release-build.ts"
import { run, runOk } from "../../support/run-process.ts"
import { scratchDir } from "../../support/scratch.ts"
import { findTool, missing } from "../../support/tools.ts"
import { mingw, runUnderWine, wine } from "../../support/wine.ts"

const targets = [
  "darwin-arm64",
  "darwin-x64",
  "darwin-x64-baseline",
  "linux-x64",
  "linux-x64-baseline",
  "linux-arm64",
  "linux-x64-musl",
  "linux-x64-baseline-musl",
  "linux-arm64-musl",
  "windows-x64",
  "windows-x64-baseline",
]
const archive = (target: string) => `iterate-${target}${target.startsWith("windows") ? ".zip" : ".tar.gz"}`

vi.setConfig({ testTimeout: 120_000 })
beforeAll(ensureRelease, releaseBuildTimeout)

const unpacked = new Map<string, Promise<{ binary: string; listing: string }>>()

/** Unpacks a release archive (once) with the system's tar or unzip; gives the binary's path and the listing. */
function unpack(target: string): Promise<{ binary: string; listing: string }> {
  if (!unpacked.has(target)) unpacked.set(target, unpackNow(target))
  return unpacked.get(target)!
}

async function unpackNow(target: string): Promise<{ binary: string; listing: string }> {
  const dir = scratchDir(target)
  const file = join(releaseDir, archive(target))
  if (target.startsWith("windows")) {
    await runOk(["unzip", "-q", file, "-d", dir])
    return { binary: join(dir, "iterate.exe"), listing: (await runOk(["zipinfo", file])).stdout }
  }
  await runOk(["tar", "-xzf", file, "-C", dir])
  return { binary: join(dir, "iterate"), listing: (await runOk(["tar", "-tvzf", file])).stdout }
}

test("the release holds an archive per SPEC target, install.sh and a SHA256SUMS that sha256sum verifies", async () => {
  expect(readdirSync(releaseDir).sort()).toEqual([...targets.map(archive), "SHA256SUMS", "install.sh"].sort())
  const check = await run(["sha256sum", "--check", "--strict", "SHA256SUMS"], { cwd: releaseDir })
  expect(check.stderr).toBe("")
  expect(check.code).toBe(0)
  expect(check.stdout.trim().split("\n")).toHaveLength(targets.length + 1)
})

describe.each(targets)("%s", (target) => {
  test("holds exactly one executable, named for its platform", async () => {
    const { listing } = await unpack(target)
    const name = target.startsWith("windows") ? "iterate.exe" : "iterate"
    const entries = listing.split("\n").filter((line) => line.endsWith(` ${name}`))
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatch(/^-rwxr-xr-x/)
    if (!target.startsWith("windows")) expect(listing.trim().split("\n")).toHaveLength(1)
  })
})

describe("binaries built for this machine's kind of CPU run and report the version", () => {
  test.each(["linux-x64", "linux-x64-baseline"])("%s --version", async (target) => {
    const { binary } = await unpack(target)
    expect(elf(await Bun.file(binary).bytes())).toEqual({ machine: "x64", interpreter: "/lib64/ld-linux-x86-64.so.2" })
    expect((await runOk([binary, "--version"])).stdout).toBe(`${pkg.version}\n`)
  })

  const qemu = findTool("qemu-aarch64-static", "qemu-aarch64")
  const sysroot = "/usr/aarch64-linux-gnu"
  const noQemu = missing("running linux-arm64 under qemu-user", {
    "qemu-user-static": qemu !== undefined,
    "libc6-arm64-cross": findTool(`${sysroot}/lib/ld-linux-aarch64.so.1`) !== undefined,
  })
  test.skipIf(noQemu)(`linux-arm64 --version under qemu-user${noQemu ? ` (${noQemu})` : ""}`, async () => {
    const { binary } = await unpack("linux-arm64")
    expect(elf(await Bun.file(binary).bytes())).toEqual({ machine: "arm64", interpreter: "/lib/ld-linux-aarch64.so.1" })
    expect((await runOk([qemu!, "-L", sysroot, binary, "--version"])).stdout).toBe(`${pkg.version}\n`)
  })

  const noWine = missing("running windows-x64 under wine", { wine64: wine !== undefined, "gcc-mingw-w64-x86-64": mingw !== undefined })
  test.skipIf(noWine).each(["windows-x64", "windows-x64-baseline"])(
    `%s --version under wine${noWine ? ` (${noWine})` : ""}`,
    async (target) => {
      const { binary } = await unpack(target)
      expect(pe(await Bun.file(binary).bytes())).toEqual({ machine: "x64", console: true })
      const result = await runUnderWine(binary, ["--version"])
      expect(result.stdout.replaceAll("\r", "")).toBe(`${pkg.version}\n`)
      expect(result.code).toBe(0)
    },
    60_000,
  )
})

describe("binaries for other systems have the right headers", () => {
  test.each([
    ["linux-x64-musl", "x64", "/lib/ld-musl-x86_64.so.1"],
    ["linux-x64-baseline-musl", "x64", "/lib/ld-musl-x86_64.so.1"],
    ["linux-arm64-musl", "arm64", "/lib/ld-musl-aarch64.so.1"],
  ])("%s is a %s ELF whose interpreter is %s", async (target, machine, interpreter) => {
    const { binary } = await unpack(target)
    expect(elf(await Bun.file(binary).bytes())).toEqual({ machine, interpreter })
  })

  test.each([
    ["darwin-arm64", "arm64"],
    ["darwin-x64", "x64"],
    ["darwin-x64-baseline", "x64"],
  ])("%s is a signed %s Mach-O", async (target, cpu) => {
    const { binary } = await unpack(target)
    expect(machO(await Bun.file(binary).bytes())).toEqual({ cpu, signed: true })
  })
})

describe("scripts/build.ts", () => {
  test("the same sources and SOURCE_DATE_EPOCH give the same archives, byte for byte", async () => {
    const sums = []
    for (const _ of [1, 2]) {
      const out = scratchDir("build")
      await runOk(["bun", "scripts/build.ts", "--target", "linux-arm64-musl", "--out", out], {
        cwd: root,
        env: { ...process.env, SOURCE_DATE_EPOCH: "1700000000" },
      })
      sums.push(await Bun.file(join(out, "release/SHA256SUMS")).text())
    }
    expect(sums[0]).toContain(archive("linux-arm64-musl"))
    expect(sums[1]).toBe(sums[0])
  })

  test.each([
    [["--target", "linux-sparc"], /^build: unknown target linux-sparc; targets: darwin-arm64, /],
    [["--version", "one"], /^build: --version one is not a semver version$/],
    [["--frobnicate"], /^build: Unknown option '--frobnicate'/],
  ])("bad input %j is one line on stderr and exit 1", async (args, message) => {
    const result = await run(["bun", "scripts/build.ts", ...args], { cwd: root })
    expect(result.code).toBe(1)
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1)
    expect(result.stderr.trimEnd()).toMatch(message)
  })
})
