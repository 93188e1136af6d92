// Named servers against a real password-protected `iterate serve`: stored once, used by name, and
// the password never printed or stored anywhere but its own 0600 file.
import { readFileSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { runInTerminal } from "../../support/pty.ts"
import { BINARY, daemonsIn, type Result, Sandbox } from "../../support/sandbox.ts"
import { usePasswordServer } from "../../support/serve.ts"

const password = "a long and secret password 42"

const server = usePasswordServer(password)
let url: string
beforeAll(() => void (url = server.url()))

/** A client machine: every command's output is kept, to show the password appears in none. */
function client() {
  const sandbox = new Sandbox()
  const outputs: string[] = []
  const run = async (args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Result> => {
    const result = await sandbox.run(args, options)
    outputs.push(result.stdout, result.stderr)
    return result
  }
  const configDir = join(sandbox.env.XDG_CONFIG_HOME!, "iterate")
  return { sandbox, run, outputs, configDir }
}

describe("a remote added with --password-stdin", () => {
  const me = client()
  afterAll(() => me.sandbox.close())

  test("is checked against the server, then stored: names and URLs in remotes.json, the password alone in a 0600 file", async () => {
    const add = await me.run(["remote", "add", "prod", url + "/", "--password-stdin"], { stdin: password + "\n" })
    expect(add.code, add.stderr).toBe(0)
    expect(add.stderr).toMatch(/^added remote prod \(http:\/\/127\.0\.0\.1:\d+, iterate \S+\)/)
    expect(JSON.parse(readFileSync(join(me.configDir, "remotes.json"), "utf8"))).toEqual({ remotes: { prod: { url } } })
    const passwordFile = join(me.configDir, "remotes", "prod")
    expect(readFileSync(passwordFile, "utf8")).toBe(password)
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600)
    expect(statSync(join(me.configDir, "remotes")).mode & 0o777).toBe(0o700)
    expect(readdirSync(join(me.configDir, "remotes"))).toEqual(["prod"])
  })

  test("--server NAME works like --server URL with the password, and starts no local daemon", async () => {
    expect((await me.run(["--server", "prod", "streams", "create", "named-demo"])).code).toBe(0)
    const append = await me.run(["streams", "append", "named-demo", '{"type":"hello"}', "--server", "prod"])
    expect(append.code, append.stderr).toBe(0)
    const read = await me.run(["streams", "read", "named-demo", "--format", "json"], { env: { ITERATE_SERVER_URL: "prod" } })
    expect(JSON.parse(read.stdout)).toMatchObject({ type: "hello", streamId: "named-demo" })
    // Piped stderr: no context line about which server.
    expect(read.stderr).toBe("")
    expect(me.sandbox.record()).toBeUndefined()
    expect(daemonsIn(me.sandbox.dir)).toEqual([])
  })

  test("remote use makes it the default; ITERATE_SERVER_URL still wins; remote use local goes back", async () => {
    expect((await me.run(["remote", "use", "prod"])).code).toBe(0)
    const listed = await me.run(["remote", "list", "--json"])
    expect(JSON.parse(listed.stdout)).toEqual([
      { name: "local", url: null, current: false },
      { name: "prod", url, current: true },
    ])
    expect((await me.run(["remote"])).stdout).toMatch(/^NAME +URL\nlocal +the local daemon\nprod \* +http:/)
    const streams = await me.run(["streams", "list", "--json"])
    expect(JSON.parse(streams.stdout).map((s: { name: string }) => s.name)).toContain("named-demo")
    expect(me.sandbox.record()).toBeUndefined()

    const overridden = await me.run(["streams", "list"], { env: { ITERATE_SERVER_URL: "http://127.0.0.1:9" } })
    expect(overridden.code).toBe(1)
    expect(overridden.stderr).toMatch(/^iterate: cannot reach the daemon at http:\/\/127\.0\.0\.1:9/)

    expect((await me.run(["remote", "use", "local"])).code).toBe(0)
    const local = await me.run(["streams", "list", "--json"])
    expect(JSON.parse(local.stdout)).toEqual([])
    expect(me.sandbox.record()).toBeDefined()
    await me.run(["server", "stop"])
  })

  test("an unknown name is a usage error; rm forgets the remote and its password", async () => {
    const unknown = await me.run(["--server", "staging", "streams", "list"])
    expect([unknown.code, unknown.stderr]).toEqual([2, "iterate: --server staging is no remote iterate knows (see: iterate remote list)\n"])
    expect((await me.run(["remote", "rm", "prod"])).code).toBe(0)
    expect(readdirSync(join(me.configDir, "remotes"))).toEqual([])
    expect((await me.run(["remote", "rm", "prod"])).code).toBe(1)
  })

  test("the password was in no command's output and in no file but its own", () => {
    expect(me.outputs.filter((text) => text.includes(password))).toEqual([])
    expect(readFileSync(join(me.configDir, "remotes.json"), "utf8")).not.toContain(password)
  })
})

test("a refused password is reported and nothing is saved; an unreachable server is saved with a warning", async () => {
  const me = client()
  try {
    const refused = await me.run(["remote", "add", "prod", url, "--password-stdin"], { stdin: "wrong" })
    expect([refused.code, refused.stderr]).toEqual([1, `iterate: ${url} refused the password; nothing was saved\n`])
    const unreachable = await me.run(["remote", "add", "later", "http://127.0.0.1:9", "--password-stdin"], { stdin: "pw" })
    expect(unreachable.code).toBe(0)
    expect(unreachable.stderr).toMatch(/^warning: http:\/\/127\.0\.0\.1:9 does not answer \(.+\); saved anyway\n/)
    expect(JSON.parse((await me.run(["remote", "list", "--json"])).stdout).map((r: { name: string }) => r.name)).toEqual(["local", "later"])
  } finally {
    me.sandbox.close()
  }
})

test("without a terminal and without --password-stdin, add is a usage error; bad names and URLs too", async () => {
  const me = client()
  try {
    const noTerminal = await me.run(["remote", "add", "prod", url])
    expect([noTerminal.code, noTerminal.stderr]).toEqual([2, "iterate: no terminal to ask for the password on: pipe it in with --password-stdin\n"])
    for (const args of [["local", url], ["-bad", url], ["ok", "ftp://example.com"], ["ok", "example.com"]])
      expect((await me.run(["remote", "add", ...args, "--password-stdin"], { stdin: "pw" })).code, args.join(" ")).toBe(2)
  } finally {
    me.sandbox.close()
  }
})

test("on a terminal the password is asked without echo, and a command says which server it uses", async () => {
  const me = client()
  try {
    const add = await runInTerminal([BINARY, "remote", "add", "tty", url], {
      env: me.sandbox.env,
      answers: [{ after: "password for tty", type: password + "\r" }],
    })
    expect(add.code, add.output).toBe(0)
    expect(add.output).not.toContain(password)
    expect(add.output).toContain(`password for tty (${url}): \n`)
    const used = await runInTerminal([BINARY, "--server", "tty", "streams", "list", "--json"], { env: me.sandbox.env })
    expect(used.code, used.output).toBe(0)
    expect(used.output.split("\n")[0]).toBe(`→ tty (${url})`)
  } finally {
    me.sandbox.close()
  }
})
