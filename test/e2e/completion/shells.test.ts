// The completion scripts in the real bash (through bash-completion's own loader), zsh (its
// completion system, driven on a pseudo-terminal) and fish, installed where install.sh puts them,
// asked for candidates as a person pressing Tab would.
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { ROOT, BINARY, daemonsIn, Sandbox } from "../../support/sandbox.ts"
import { run } from "../../support/run-process.ts"
import { findTool, missing } from "../../support/tools.ts"

const bash = findTool("bash")
const bashCompletion = findTool("/usr/share/bash-completion/bash_completion")
const zsh = findTool("zsh")
const fish = findTool("fish")

let sandbox: Sandbox
let env: Record<string, string>
const data = () => sandbox.env.XDG_DATA_HOME!
const installed = { bash: "bash-completion/completions/iterate", zsh: "zsh/site-functions/_iterate", fish: "fish/vendor_completions.d/iterate.fish" }

beforeAll(async () => {
  sandbox = new Sandbox()
  const bin = join(sandbox.dir, "bin")
  mkdirSync(bin)
  symlinkSync(BINARY, join(bin, "iterate"))
  env = { ...sandbox.env, PATH: `${bin}:/usr/bin:/bin`, SHELL: "/bin/sh" }
  for (const [shell, path] of Object.entries(installed)) {
    const script = await sandbox.run(["completion", shell])
    expect(script.code, script.stderr).toBe(0)
    mkdirSync(dirname(join(data(), path)), { recursive: true })
    writeFileSync(join(data(), path), script.stdout)
  }
  for (const name of ["alpha", "beta/one"]) expect((await sandbox.run(["streams", "create", name])).code).toBe(0)
  expect((await sandbox.run(["remote", "add", "prod", "http://127.0.0.1:9", "--password-stdin"], { stdin: "pw" })).code).toBe(0)
})
afterAll(async () => {
  await sandbox.run(["server", "stop"])
  sandbox.close()
})

const tidy = (output: string) => [...new Set(output.split("\n").map((line) => line.trim()).filter(Boolean))].sort()
const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`

const ask = {
  /** bash-completion finds the script by the command's name, as it does on Tab. */
  async bash(line: string) {
    const words = line.split(" ")
    const script = [
      `source ${bashCompletion}`,
      "__load_completion iterate || exit 7",
      `[[ "$(complete -p iterate)" == *"-F _iterate "* ]] || exit 8`,
      `COMP_WORDS=(${words.map(quote).join(" ")}); COMP_CWORD=${words.length - 1}; COMP_LINE=${quote(line)}; COMP_POINT=${line.length}`,
      "_iterate",
      `printf '%s\\n' "\${COMPREPLY[@]}"`,
    ].join("\n")
    const result = await run([bash!, "--norc", "--noprofile", "-c", script], { env, cwd: sandbox.dir })
    expect(result.code, result.stderr).toBe(0)
    return tidy(result.stdout)
  },
  /** An interactive zsh with compinit and the folder on fpath; the line is typed and Tab pressed. */
  async zsh(line: string) {
    const capture = join(ROOT, "test/support/zsh-capture.zsh")
    // A completion that never ends would leave the capture waiting: cut it off.
    const result = await run(["timeout", "30", zsh!, "-f", capture, join(data(), dirname(installed.zsh)), line], { env, cwd: sandbox.dir })
    expect(result.code, result.stderr).toBe(0)
    return tidy(result.stdout)
  },
  /** fish finds the script in $XDG_DATA_HOME/fish/vendor_completions.d by itself. */
  async fish(line: string) {
    const result = await run([fish!, "-c", `complete -C ${quote(line)}`], { env, cwd: sandbox.dir })
    expect(result.code, result.stderr).toBe(0)
    return tidy(result.stdout.replace(/\t.*$/gm, ""))
  },
}

const shells = [
  ["bash", missing("bash completion", { bash: bash !== undefined, "bash-completion": bashCompletion !== undefined })],
  ["zsh", missing("zsh completion", { zsh: zsh !== undefined })],
  ["fish", missing("fish completion", { fish: fish !== undefined })],
] as const

describe.each(shells)("%s", (shell, absent) => {
  test.skipIf(absent)(`completes commands, options and choices from the command tree${absent ? ` (${absent})` : ""}`, async () => {
    expect(await ask[shell]("iterate agents ")).toEqual(["list", "new", "restore", "rm", "set"])
    expect(await ask[shell]("iterate agents new --h")).toEqual(["--harness", "--help"])
    expect(await ask[shell]("iterate upgrade --method ")).toEqual(["brew", "curl", "npm"])
    expect(await ask[shell]("iterate completion ")).toEqual(["bash", "fish", "powershell", "zsh"])
    expect(await ask[shell]("iterate config get harnesses.opencode.b")).toEqual(["harnesses.opencode.binary"])
  })

  test.skipIf(absent)(`completes stream names from the running daemon and remote names from their file${absent ? ` (${absent})` : ""}`, async () => {
    expect(await ask[shell]("iterate streams rm ")).toEqual(["alpha", "beta/one"])
    expect(await ask[shell]("iterate remote use ")).toEqual(["local", "prod"])
  })
})

test("with no daemon running, names complete to nothing, and no daemon is started for a Tab", async () => {
  const cold = new Sandbox()
  try {
    const result = await cold.run(["__complete", "--", "2", "streams", "rm"])
    expect([result.code, result.stdout, result.stderr]).toEqual([0, "", ""])
    expect(daemonsIn(cold.dir)).toEqual([])
    expect(cold.record()).toBeUndefined()
  } finally {
    cold.close()
  }
})
