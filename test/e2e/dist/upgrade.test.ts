// `iterate upgrade` and `iterate uninstall` on real installs: install.sh against loopback release
// servers (the current release and a next one built here), npm against a loopback registry.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import pkg from "../../../package.json" with { type: "json" }
import { candidates } from "../../../npm/iterate/lib/targets.js"
import { type Registry, npmUser, serveRegistry } from "../../support/npm-registry.ts"
import { ensureRelease, npmDir, releaseBuildTimeout, releaseDir, root } from "../../support/release-build.ts"
import { type Served, serveFolder } from "../../support/release-server.ts"
import { run, runOk } from "../../support/run-process.ts"
import { scratchDir } from "../../support/scratch.ts"

const host = candidates()[0]!
const [major, minor, patch] = pkg.version.split(/[.-]/).map(Number) as [number, number, number]
const next = `${major}.${minor}.${patch + 1}`
const nextDir = scratchDir("next")
let current: Served
let upcoming: Served

beforeAll(async () => {
  await ensureRelease()
  await runOk(["bun", "scripts/build.ts", "--target", host, "--version", next, "--out", nextDir], { cwd: root })
  current = serveFolder(releaseDir)
  upcoming = serveFolder(join(nextDir, "release"))
}, releaseBuildTimeout)
afterAll(() => {
  current.stop()
  upcoming.stop()
})

/** A user with iterate installed by install.sh from the current release. */
async function installedWithInstallSh(rc = "") {
  const home = scratchDir("home")
  const env = { HOME: home, PATH: "/usr/local/bin:/usr/bin:/bin", SHELL: "/bin/bash", XDG_STATE_HOME: join(home, "state") }
  if (rc) writeFileSync(join(home, ".bashrc"), rc)
  await runOk(["sh", join(root, "install.sh")], { env: { ...env, ITERATE_DOWNLOAD_URL: current.url } })
  return { home, env, binary: join(home, ".iterate/bin/iterate") }
}

const versionOf = async (binary: string, env?: Record<string, string>) => (await runOk([binary, "--version"], { env })).stdout.trim()

function expectOneLineFailure(result: { code: number; stdout: string; stderr: string }, message: RegExp) {
  expect(result.code).toBe(1)
  expect(result.stdout).toBe("")
  expect(result.stderr.trimEnd().split("\n").at(-1)).toMatch(message)
  expect(result.stderr.split("\n").filter((line) => line.startsWith("iterate:"))).toHaveLength(1)
}

describe("upgrade, installed by install.sh", () => {
  test("replaces the binary with the release ITERATE_DOWNLOAD_URL points at, then has nothing to do", async () => {
    const { env, binary } = await installedWithInstallSh()
    const upgrade = await runOk([binary, "upgrade"], { env: { ...env, ITERATE_DOWNLOAD_URL: upcoming.url } })
    expect(upgrade.stdout).toBe(`upgraded iterate ${pkg.version} to ${next}\n`)
    expect(upgrade.stderr).toContain(`with install.sh`)
    expect(await versionOf(binary)).toBe(next)
    const again = await runOk([binary, "upgrade", "--version", next], { env: { ...env, ITERATE_DOWNLOAD_URL: upcoming.url } })
    expect(again.stdout).toBe(`iterate ${next} is already installed\n`)
  })

  test("refuses a release that is not the --version asked for, and changes nothing", async () => {
    const { env, binary } = await installedWithInstallSh()
    const result = await run([binary, "upgrade", "--version", "9.9.9"], { env: { ...env, ITERATE_DOWNLOAD_URL: upcoming.url } })
    expectOneLineFailure(result, new RegExp(`^iterate: asked for 9\\.9\\.9 but the release holds ${next}; nothing was changed$`))
    expect(await versionOf(binary)).toBe(pkg.version)
  })

  test("refuses a tampered archive, and changes nothing", async () => {
    const { env, binary } = await installedWithInstallSh()
    const archive = `iterate-${host}.tar.gz`
    const tampered = (await Bun.file(join(nextDir, "release", archive)).bytes()).slice()
    tampered[1000]! ^= 0xff
    const evil = serveFolder(join(nextDir, "release"), { [archive]: tampered })
    try {
      const result = await run([binary, "upgrade"], { env: { ...env, ITERATE_DOWNLOAD_URL: evil.url } })
      expectOneLineFailure(result, new RegExp(`^iterate: checksum mismatch for ${archive} .*; nothing was changed$`))
      expect(await versionOf(binary)).toBe(pkg.version)
    } finally {
      evil.stop()
    }
  })

  test("stops a running daemon of the old version", async (context) => {
    const { env, binary } = await installedWithInstallSh()
    if (!(await run([binary, "serve", "--help"], { env })).stdout.includes("Usage: iterate serve")) {
      const reason = "skipped: this build has no `iterate serve` to start a daemon with"
      console.warn(reason)
      context.skip(reason)
    }
    const daemon = Bun.spawn([binary, "serve", "--port", "0"], { env, stdout: "ignore", stderr: "ignore" })
    try {
      const record = join(env.XDG_STATE_HOME, "iterate/daemon.json")
      for (let i = 0; i < 100 && !existsSync(record); i++) await Bun.sleep(100)
      expect(JSON.parse(readFileSync(record, "utf8")).version).toBe(pkg.version)
      const upgrade = await runOk([binary, "upgrade"], { env: { ...env, ITERATE_DOWNLOAD_URL: upcoming.url } })
      expect(upgrade.stderr).toContain(`stopped the iterate ${pkg.version} daemon (pid ${daemon.pid})`)
      expect(await daemon.exited).toBeDefined()
    } finally {
      daemon.kill()
    }
  })

  // No user systemd runs in a test, so this is the path of a shell without a user session: the
  // restart is asked of systemd, fails, and nothing is left running the old code.
  test("restarts a daemon that iterate service runs through systemd; when it cannot, stops the old one and says how to start the service", async () => {
    const { home, env, binary } = await installedWithInstallSh()
    const noSystemd = { ...env, XDG_RUNTIME_DIR: join(home, "run"), DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(home, "no-bus")}` }
    // As the unit starts it.
    const daemon = Bun.spawn([binary, "serve", "--port", "0"], { env: { ...noSystemd, ITERATE_SERVICE: "systemd" }, stdout: "ignore", stderr: "ignore" })
    try {
      const record = join(env.XDG_STATE_HOME, "iterate/daemon.json")
      for (let i = 0; i < 100 && !existsSync(record); i++) await Bun.sleep(100)
      expect(JSON.parse(readFileSync(record, "utf8")).service).toBe("systemd")
      const upgrade = await run([binary, "upgrade"], { env: { ...noSystemd, ITERATE_DOWNLOAD_URL: upcoming.url } })
      expect(upgrade.stdout).toBe(`upgraded iterate ${pkg.version} to ${next}\n`)
      expectOneLineFailure(
        { ...upgrade, stdout: "" },
        /^iterate: could not restart the systemd service iterate\.service \(`systemctl --user restart iterate\.service` failed: .+\); stopped the old daemon; start the service on the new binary with: systemctl --user start iterate\.service$/,
      )
      expect(await daemon.exited).toBe(0)
      expect(await versionOf(binary)).toBe(next)
    } finally {
      daemon.kill()
    }
  })
})

describe("uninstall, installed by install.sh", () => {
  test("removes the binary, its folder and its PATH line, keeps the rest of .bashrc and the user's data", async () => {
    const rc = "# my settings\nalias ll='ls -l'\n"
    const { home, env, binary } = await installedWithInstallSh(rc)
    expect(readFileSync(join(home, ".bashrc"), "utf8")).not.toBe(rc)
    const data = join(home, ".local/share/iterate")
    mkdirSync(data, { recursive: true })
    const result = await runOk([binary, "uninstall"], { env })
    expect(result.stdout).toBe(`uninstalled iterate ${pkg.version} (install.sh) from ${binary}\n`)
    expect(result.stderr).toContain(`kept ${data}`)
    expect(existsSync(join(home, ".iterate"))).toBe(false)
    expect(readFileSync(join(home, ".bashrc"), "utf8")).toBe(rc)
    expect(existsSync(data)).toBe(true)
  })

  test("removes the completion scripts and the .zshrc line that loads zsh's, and keeps the rest of .zshrc", async () => {
    const home = scratchDir("home")
    const env = { HOME: home, PATH: "/usr/local/bin:/usr/bin:/bin", SHELL: "/usr/bin/zsh", XDG_STATE_HOME: join(home, "state") }
    const rc = "# mine\nsetopt autocd\n"
    writeFileSync(join(home, ".zshrc"), rc)
    await runOk(["sh", join(root, "install.sh")], { env: { ...env, ITERATE_DOWNLOAD_URL: current.url } })
    const scripts = ["bash-completion/completions/iterate", "zsh/site-functions/_iterate", "fish/vendor_completions.d/iterate.fish"]
    for (const path of scripts) expect(existsSync(join(home, ".local/share", path)), path).toBe(true)
    await runOk([join(home, ".iterate/bin/iterate"), "uninstall"], { env })
    for (const path of scripts) expect(existsSync(join(home, ".local/share", path)), path).toBe(false)
    expect(readFileSync(join(home, ".zshrc"), "utf8")).toBe(rc)
  })

  test("--purge also deletes data, config, cache and state", async () => {
    const { home, env, binary } = await installedWithInstallSh()
    const folders = [".local/share/iterate", ".config/iterate", ".cache/iterate", "state/iterate"].map((dir) => join(home, dir))
    for (const dir of folders) mkdirSync(dir, { recursive: true })
    await runOk([binary, "uninstall", "--purge"], { env })
    for (const dir of folders) expect(existsSync(dir), dir).toBe(false)
  })
})

describe("installed with npm", () => {
  let registry: Registry
  beforeAll(async () => {
    registry = await serveRegistry([npmDir, join(nextDir, "npm")])
  })
  afterAll(() => registry.stop())

  test("upgrade runs npm for the prefix iterate lives in, and uninstall removes it", async () => {
    const home = scratchDir("npm")
    const env = npmUser(registry, home)
    const prefix = join(home, "prefix")
    const bin = join(prefix, "bin/iterate")
    await runOk(["npm", "install", "--global", "--prefix", prefix, "--ignore-scripts", `iterate@${pkg.version}`], { env })
    expect(await versionOf(bin, env)).toBe(pkg.version)
    const upgrade = await runOk([bin, "upgrade", "--version", next], { env })
    expect(upgrade.stdout).toBe(`upgraded iterate ${pkg.version} to ${next}\n`)
    expect(upgrade.stderr).toContain("with npm")
    expect(await versionOf(bin, env)).toBe(next)
    const uninstall = await runOk([bin, "uninstall"], { env })
    expect(uninstall.stdout).toContain(`uninstalled iterate ${next} (npm)`)
    expect(existsSync(bin)).toBe(false)
    expect(existsSync(join(prefix, "lib/node_modules/iterate"))).toBe(false)
  })
})

describe("how iterate was installed is read from where it lives", () => {
  test("in a Homebrew Cellar, upgrade goes through brew", async () => {
    const home = scratchDir("brew")
    const cellar = join(home, `Cellar/iterate/${pkg.version}/bin`)
    mkdirSync(cellar, { recursive: true })
    await runOk(["tar", "-xzf", join(releaseDir, `iterate-${host}.tar.gz`), "-C", cellar])
    const env = { HOME: home, PATH: "/usr/bin:/bin" }
    const binary = join(cellar, "iterate")
    expectOneLineFailure(await run([binary, "upgrade"], { env }), /^iterate: brew is not on PATH; it is needed to upgrade iterate$/)
    const pinned = await run([binary, "upgrade", "--version", next], { env })
    expect(pinned.code).toBe(2)
    expect(pinned.stderr).toContain("Homebrew installs only the latest release")
  })

  test("running from source, there is nothing installed to upgrade", async () => {
    const result = await run(["bun", "src/index.ts", "upgrade"], { cwd: root })
    expectOneLineFailure(result, /^iterate: this iterate runs from source, not from an installed binary/)
  })

  test("a bad --version is a usage error", async () => {
    const result = await run(["bun", "src/index.ts", "upgrade", "--version", "latest-ish"], { cwd: root })
    expect(result.code).toBe(2)
    expect(result.stderr).toBe("iterate: --version latest-ish is not a version like 1.2.3\n")
  })
})
