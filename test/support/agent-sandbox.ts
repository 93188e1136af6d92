// A sandbox whose daemon runs agents on the real opencode with the LLM stub as their model: a
// project folder wired to the stub, and a config.json (with a comment, as users write them)
// naming the opencode binary of the devDependency. The daemon the CLI starts inherits the
// CLI's environment, so opencode gets the sandbox's HOME and XDG folders and the hermetic vars.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll } from "vitest"
import type { LlmStub } from "./llm-stub.ts"
import { OPENCODE_ENV, testOpencodeBinary, writeProjectConfig } from "./opencode-project.ts"
import { type Result, Sandbox } from "./sandbox.ts"
import { isAlive } from "./wait.ts"

export interface AgentSandbox {
  sandbox: Sandbox
  /** the project folder opencode works in */
  project: string
  /** another project folder wired to the stub, made now */
  newProject(name: string): string
  /** the agent's events, as `iterate events A --format json` prints them */
  events(agent: string, offset?: string): Promise<AgentEvent[]>
  /** runs `iterate` to completion and fails the test, showing stderr, when the exit code is not `code` */
  iterate(args: string[], options?: { code?: number; stdin?: string }): Promise<Result>
}

export interface AgentEvent {
  offset: string
  type: string
  payload?: any
}

const definedOnly = (env: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined))

/** One sandbox for a test file, made after the stub starts; its daemon is stopped gracefully at the end, opencode with it. */
export function useAgentSandbox(stub: LlmStub): AgentSandbox {
  const context = {} as AgentSandbox
  beforeAll(() => {
    const sandbox = new Sandbox(definedOnly(OPENCODE_ENV))
    const project = join(sandbox.dir, "project")
    mkdirSync(project)
    writeProjectConfig(project, stub.url)
    writeConfig(sandbox, `{\n  // the opencode of the devDependency\n  "harnesses": { "opencode": { "binary": ${JSON.stringify(testOpencodeBinary())} } },\n}\n`)
    context.sandbox = sandbox
    context.project = project
  })
  afterAll(async () => {
    await context.sandbox.run(["server", "stop"])
    context.sandbox.close()
  })
  context.newProject = (name) => {
    const dir = join(context.sandbox.dir, name)
    mkdirSync(dir)
    writeProjectConfig(dir, stub.url)
    return dir
  }
  context.events = async (agent, offset = "-1") =>
    (await context.iterate(["events", agent, "--offset", offset, "--format", "json"])).stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as AgentEvent)
  context.iterate = async (args, options = {}) => {
    const result = await context.sandbox.run(args, { stdin: options.stdin })
    if (result.code !== (options.code ?? 0))
      throw new Error(`iterate ${args.join(" ")} exited ${result.code}, not ${options.code ?? 0}:\n${result.stderr}${result.stdout}`)
    return result
  }
  return context
}

export function writeConfig(sandbox: Sandbox, text: string): void {
  mkdirSync(join(sandbox.env.XDG_CONFIG_HOME!, "iterate"), { recursive: true })
  writeFileSync(join(sandbox.env.XDG_CONFIG_HOME!, "iterate", "config.json"), text)
}

/** The opencode servers running for a sandbox: children of its daemons, or left by one (from /proc). */
export function opencodeServers(sandbox: Sandbox): number[] {
  const pids: number[] = []
  for (const entry of new Bun.Glob("[0-9]*").scanSync({ cwd: "/proc", onlyFiles: false })) {
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")
      const environ = readFileSync(`/proc/${entry}/environ`, "utf8")
      if (argv[1] === "serve" && argv[0]!.includes("opencode") && environ.includes(`HOME=${sandbox.dir}\0`) && isAlive(Number(entry)))
        pids.push(Number(entry))
    } catch {
      // ended while we looked
    }
  }
  return pids
}

/** Runs `argv` in a pseudo-terminal; screen() is what it printed so far without escape codes. */
export function inTerminal(argv: string[], env: Record<string, string>) {
  let output = ""
  const decoder = new TextDecoder()
  const child = Bun.spawn(argv, {
    env,
    terminal: { cols: 120, rows: 30, data: (_, bytes) => (output += decoder.decode(bytes, { stream: true })) },
  })
  void child.exited.then(() => child.terminal?.close())
  return { process: child, screen: () => output.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, "") }
}

/** What a long-running process has printed so far, and its exit. */
export function watch(child: Bun.Subprocess<"ignore", "pipe", "pipe">) {
  const seen = { stdout: "", stderr: "" }
  const drain = async (stream: ReadableStream<Uint8Array>, key: "stdout" | "stderr") => {
    const decoder = new TextDecoder()
    for await (const chunk of stream) seen[key] += decoder.decode(chunk, { stream: true })
  }
  const done = Promise.all([drain(child.stdout, "stdout"), drain(child.stderr, "stderr")])
  return {
    process: child,
    seen,
    /** the exit code, once the output is all in */
    exited: async () => {
      const code = await child.exited
      await done
      return code
    },
  }
}
