// install.sh, run by the system's sh (dash on Debian) against a loopback server holding dist/release.
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import pkg from "../../../package.json" with { type: "json" }
import { candidates } from "../../../npm/iterate/lib/targets.js"
import { ensureRelease, releaseBuildTimeout, releaseDir, root } from "../../support/release-build.ts"
import { type Served, serveFolder } from "../../support/release-server.ts"
import { run, runOk } from "../../support/run-process.ts"
import { scratchDir } from "../../support/scratch.ts"
import { findTool, missing } from "../../support/tools.ts"

const script = join(root, "install.sh")
const hostArchive = `iterate-${candidates()[0]}.tar.gz`
let server: Served

beforeAll(async () => {
  await ensureRelease()
  server = serveFolder(releaseDir)
}, releaseBuildTimeout)
afterAll(() => server.stop())

/** A clean user: own HOME, a PATH without the install folder, bash as login shell, no TTY. */
function user(env: Record<string, string> = {}) {
  const home = scratchDir("home")
  return { home, env: { HOME: home, PATH: "/usr/local/bin:/usr/bin:/bin", SHELL: "/bin/bash", ITERATE_DOWNLOAD_URL: server.url, ...env } }
}

const install = (env: Record<string, string>, ...args: string[]) => run(["sh", script, ...args], { env })

function expectOneLineFailure(result: { code: number; stderr: string }, message: RegExp) {
  expect(result.code).not.toBe(0)
  expect(result.stderr.trimEnd().split("\n").at(-1)).toMatch(message)
  expect(result.stderr.split("\n").filter((line) => line.startsWith("install.sh:"))).toHaveLength(1)
}

describe("happy path", () => {
  test("piped into sh like `curl … | sh`, it installs a verified binary into ~/.iterate/bin", async () => {
    const { home, env } = user()
    const result = await runOk(["sh"], { env, stdin: readFileSync(script, "utf8") })
    const binary = join(home, ".iterate/bin/iterate")
    expect(result.stdout).toBe(`installed iterate ${pkg.version} to ${binary}\n`)
    expect((await runOk([binary, "--version"])).stdout).toBe(`${pkg.version}\n`)
    expect(server.requests.slice(-2)).toEqual(["SHA256SUMS", hostArchive])
  })

  test("ITERATE_INSTALL_DIR decides where the binary goes", async () => {
    const { home, env } = user()
    const dir = join(home, "tools/bin")
    await runOk(["sh", script], { env: { ...env, ITERATE_INSTALL_DIR: dir } })
    expect((await runOk([join(dir, "iterate"), "--version"])).stdout).toBe(`${pkg.version}\n`)
    expect(existsSync(join(home, ".iterate"))).toBe(false)
  })

  test("--version X installs X and checks the binary really is X", async () => {
    const { home, env } = user()
    await runOk(["sh", script, "--version", `v${pkg.version}`], { env })
    expect((await runOk([join(home, ".iterate/bin/iterate"), "--version"])).stdout).toBe(`${pkg.version}\n`)
    const wrong = user()
    expectOneLineFailure(await install(wrong.env, "--version", "9.9.9"), /asked for version 9\.9\.9 but the download is version .+; nothing was installed$/)
    expect(existsSync(join(wrong.home, ".iterate/bin/iterate"))).toBe(false)
  })
})

describe("PATH", () => {
  test("bash: one line in ~/.bashrc, never twice, and it puts iterate on PATH", async () => {
    const { home, env } = user()
    await runOk(["sh", script], { env })
    const second = await runOk(["sh", script], { env })
    expect(second.stderr).toContain("already puts")
    const rc = readFileSync(join(home, ".bashrc"), "utf8")
    expect(rc.split("\n").filter((line) => line.includes(".iterate/bin"))).toEqual([
      `export PATH="${home}/.iterate/bin:$PATH" # added by iterate install.sh`,
    ])
    const used = await runOk(["sh", "-c", '. "$HOME/.bashrc" && iterate --version'], { env })
    expect(used.stdout).toBe(`${pkg.version}\n`)
  })

  test("zsh writes ${ZDOTDIR:-$HOME}/.zshrc; fish writes config.fish in fish syntax; others ~/.profile", async () => {
    const zsh = user({ SHELL: "/usr/bin/zsh" })
    await runOk(["sh", script], { env: zsh.env })
    expect(readFileSync(join(zsh.home, ".zshrc"), "utf8")).toContain(`export PATH="${zsh.home}/.iterate/bin:$PATH"`)

    const fish = user({ SHELL: "/usr/bin/fish" })
    await runOk(["sh", script], { env: fish.env })
    await runOk(["sh", script], { env: fish.env })
    const config = readFileSync(join(fish.home, ".config/fish/config.fish"), "utf8")
    expect(config.trim().split("\n")).toEqual([`set --export PATH "${fish.home}/.iterate/bin" $PATH # added by iterate install.sh`])

    const dash = user({ SHELL: "/bin/dash" })
    await runOk(["sh", script], { env: dash.env })
    expect(readFileSync(join(dash.home, ".profile"), "utf8")).toContain(`${dash.home}/.iterate/bin`)
  })

  test("in GitHub Actions the folder goes to $GITHUB_PATH, once", async () => {
    const { home, env } = user()
    const githubPath = join(home, "github_path")
    writeFileSync(githubPath, "")
    await runOk(["sh", script], { env: { ...env, GITHUB_PATH: githubPath } })
    await runOk(["sh", script], { env: { ...env, GITHUB_PATH: githubPath } })
    expect(readFileSync(githubPath, "utf8")).toBe(`${home}/.iterate/bin\n`)
  })

  test("a folder already on PATH is left alone", async () => {
    const { home, env } = user()
    await runOk(["sh", script], { env: { ...env, PATH: `${home}/.iterate/bin:${env.PATH}` } })
    expect(existsSync(join(home, ".bashrc"))).toBe(false)
  })

  test("--no-modify-path touches neither rc files nor $GITHUB_PATH", async () => {
    const { home, env } = user()
    const githubPath = join(home, "github_path")
    writeFileSync(githubPath, "")
    await runOk(["sh", script, "--no-modify-path"], { env: { ...env, GITHUB_PATH: githubPath } })
    expect(existsSync(join(home, ".iterate/bin/iterate"))).toBe(true)
    expect(existsSync(join(home, ".bashrc"))).toBe(false)
    expect(readFileSync(githubPath, "utf8")).toBe("")
  })
})

describe("shell completions", () => {
  const where = { bash: "bash-completion/completions/iterate", zsh: "zsh/site-functions/_iterate", fish: "fish/vendor_completions.d/iterate.fish" }

  test("bash, zsh and fish scripts go where each shell looks for a user's own; .zshrc gets one line that loads zsh's", async () => {
    const { home, env } = user({ SHELL: "/usr/bin/zsh" })
    await runOk(["sh", script], { env })
    await runOk(["sh", script], { env })
    const binary = join(home, ".iterate/bin/iterate")
    for (const [shell, path] of Object.entries(where))
      expect(readFileSync(join(home, ".local/share", path), "utf8"), shell).toBe((await runOk([binary, "completion", shell])).stdout)
    const site = `${home}/.local/share/zsh/site-functions`
    expect(readFileSync(join(home, ".zshrc"), "utf8").split("\n").filter((line) => line.includes("_iterate"))).toEqual([
      `fpath=("${site}" $fpath) && source "${site}/_iterate" # added by iterate install.sh`,
    ])
  })

  const zsh = findTool("zsh")
  const noZsh = missing("loading the completion from .zshrc", { zsh: zsh !== undefined })
  test.skipIf(noZsh)(`the .zshrc line registers the completion with a compinit that ran before it${noZsh ? ` (${noZsh})` : ""}`, async () => {
    const { env } = user({ SHELL: "/usr/bin/zsh" })
    await runOk(["sh", script], { env })
    const loaded = await runOk([zsh!, "-f", "-c", 'autoload -U compinit && compinit -u -D && source "$HOME/.zshrc" && print -r -- $_comps[iterate]'], { env })
    expect(loaded.stdout).toBe("_iterate\n")
  })

  test("XDG_DATA_HOME moves them; --no-completions installs none", async () => {
    const moved = user()
    const data = join(moved.home, "data")
    await runOk(["sh", script], { env: { ...moved.env, XDG_DATA_HOME: data } })
    for (const path of Object.values(where)) expect(existsSync(join(data, path)), path).toBe(true)
    const none = user({ SHELL: "/usr/bin/zsh" })
    await runOk(["sh", script, "--no-completions"], { env: none.env })
    expect(existsSync(join(none.home, ".local/share"))).toBe(false)
    expect(readFileSync(join(none.home, ".zshrc"), "utf8")).not.toContain("_iterate")
  })
})

describe("refusals: one line on stderr, non-zero exit, nothing installed", () => {
  test("a tampered archive", async () => {
    const original = await Bun.file(join(releaseDir, hostArchive)).bytes()
    const tampered = original.slice()
    tampered[tampered.length - 100]! ^= 0xff
    const evil = serveFolder(releaseDir, { [hostArchive]: tampered })
    try {
      const { home, env } = user({ ITERATE_DOWNLOAD_URL: evil.url })
      expectOneLineFailure(await install(env), new RegExp(`checksum mismatch for ${hostArchive} .*; nothing was installed$`))
      expect(existsSync(join(home, ".iterate"))).toBe(false)
      expect(existsSync(join(home, ".bashrc"))).toBe(false)
    } finally {
      evil.stop()
    }
  })

  test("a SHA256SUMS that does not list the archive", async () => {
    const sums = readFileSync(join(releaseDir, "SHA256SUMS"), "utf8")
    const without = sums.split("\n").filter((line) => !line.endsWith(hostArchive)).join("\n")
    const evil = serveFolder(releaseDir, { SHA256SUMS: new TextEncoder().encode(without) })
    try {
      const { home, env } = user({ ITERATE_DOWNLOAD_URL: evil.url })
      expectOneLineFailure(await install(env), new RegExp(`lists no ${hostArchive}; nothing was installed$`))
      expect(existsSync(join(home, ".iterate"))).toBe(false)
    } finally {
      evil.stop()
    }
  })

  test("plain http to anything but loopback, before any download", async () => {
    const { env } = user({ ITERATE_DOWNLOAD_URL: "http://downloads.example.com/iterate" })
    expectOneLineFailure(await install(env), /refusing to download from http:\/\/downloads\.example\.com\/iterate\/: use https/)
  })

  test("a release folder that is not there", async () => {
    const { env } = user({ ITERATE_DOWNLOAD_URL: `${server.url}/v0.0.0-missing` })
    expectOneLineFailure(await install(env), /cannot download .*\/SHA256SUMS: .*404/)
  })

  test("unknown options exit 2; -h prints usage to stdout", async () => {
    const { env } = user()
    const unknown = await install(env, "--frobnicate")
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toBe("install.sh: unknown option --frobnicate (see --help)\n")
    const help = await runOk(["sh", script, "-h"], { env })
    expect(help.stdout).toContain("Usage: install.sh [--version X] [--no-modify-path] [--no-completions] [-h]")
    expect(help.stdout).toContain("ITERATE_INSTALL_DIR")
  })
})

const shellcheck = findTool("shellcheck")
const noShellcheck = missing("linting install.sh", { shellcheck: shellcheck !== undefined })
test.skipIf(noShellcheck)(`shellcheck finds nothing in install.sh as POSIX sh${noShellcheck ? ` (${noShellcheck})` : ""}`, async () => {
  const result = await run([shellcheck!, "--shell=sh", script])
  expect(result.stdout).toBe("")
  expect(result.code).toBe(0)
})

test("install.sh downloads from this repository's GitHub releases by default", () => {
  expect(readFileSync(script, "utf8")).toContain(`REPOSITORY="${pkg.homepage}"`)
})
