// A sandbox whose daemon runs agents on a real harness with a scripted model server: the
// Anthropic stub for claude, the LLM stub for opencode and pi, the Responses stub for codex. Each
// harness is wired the way a user would set it up, in the environment and config.json of the CLI
// (the daemon the CLI starts inherits that environment, so the harness gets the sandbox's HOME and
// XDG folders too):
//   opencode  a project folder whose opencode.json names the stub; harnesses.opencode.binary
//   claude    ANTHROPIC_BASE_URL (the stub) and a dummy key, a throwaway CLAUDE_CONFIG_DIR;
//             harnesses.claude.binary
//   pi        PI_CODING_AGENT_DIR with a models.json whose only provider is the stub;
//             harnesses.pi.binary (Pi's CLI script, run by iterate's own Bun)
//   codex     CODEX_HOME with a config.toml whose only model provider is the stub (the
//             Responses stub); harnesses.codex.binary (the platform package's native codex)
//   claude-acp  Zed's claude-agent-acp configured as an ACP agent (harnesses.claude-acp.acp), with
//             claude's environment and IS_SANDBOX=1 (the tests run as root)
//   gemini    Gemini CLI as the built-in ACP agent `gemini` (harnesses.gemini.acp: the devDependency's
//             gemini.js --acp), GOOGLE_GEMINI_BASE_URL (the Gemini stub) and a dummy key, its
//             usage statistics and update checks off in ~/.gemini/settings.json
//   qwen      Qwen Code as the built-in ACP agent `qwen` (harnesses.qwen.acp: the devDependency's
//             cli-entry.js --acp), the LLM stub as its OpenAI provider (OPENAI_BASE_URL and a dummy
//             key), settings in ~/.qwen/settings.json (see qwen-project.ts)
// each binary being the devDependency's. config.json carries a comment, as users write them.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, expect } from "vitest"
import { testClaudeAcp, testClaudeBinary } from "./claude-project.ts"
import { testCodexBinary, writeCodexConfig } from "./codex-project.ts"
import { GEMINI_SETTINGS, testGeminiCli } from "./gemini-stub.ts"
import { OPENCODE_ENV, testOpencodeBinary, writeProjectConfig } from "./opencode-project.ts"
import { testPiCli, writeModels } from "./pi-project.ts"
import { qwenEnv, testQwenCli, writeQwenSettings } from "./qwen-project.ts"
import { type Result, Sandbox } from "./sandbox.ts"
import { isAlive } from "./wait.ts"

export type HarnessName = "opencode" | "claude" | "pi" | "codex" | "claude-acp" | "gemini" | "qwen"

interface Wiring {
  /** added to the sandbox's environment; `dir` is the sandbox's folder */
  env(dir: string, stubUrl: string): Record<string, string | undefined>
  /** harnesses.<name> of config.json */
  config(): Record<string, unknown>
  /** once, with the sandbox made */
  setup?(dir: string, stubUrl: string): void
  /** a project folder, made now */
  project?(dir: string, stubUrl: string): void
}

const WIRINGS: Record<HarnessName, Wiring> = {
  opencode: {
    env: () => OPENCODE_ENV,
    config: () => ({ binary: testOpencodeBinary() }),
    project: writeProjectConfig,
  },
  claude: {
    env: (dir, stubUrl) => ({ ANTHROPIC_BASE_URL: stubUrl, ANTHROPIC_API_KEY: "sk-ant-stub", CLAUDE_CONFIG_DIR: join(dir, "claude-config") }),
    config: () => ({ binary: testClaudeBinary() }),
  },
  "claude-acp": {
    env: (dir, stubUrl) => ({ ANTHROPIC_BASE_URL: stubUrl, ANTHROPIC_API_KEY: "sk-ant-stub", CLAUDE_CONFIG_DIR: join(dir, "claude-config"), IS_SANDBOX: "1" }),
    config: () => ({ acp: testClaudeAcp() }),
  },
  gemini: {
    env: (_, stubUrl) => ({ GOOGLE_GEMINI_BASE_URL: stubUrl, GEMINI_API_KEY: "stub-key" }),
    config: () => ({ acp: [testGeminiCli(), "--acp"] }),
    setup: (dir) => {
      mkdirSync(join(dir, ".gemini"), { recursive: true })
      writeFileSync(join(dir, ".gemini", "settings.json"), JSON.stringify(GEMINI_SETTINGS))
    },
  },
  qwen: {
    env: (_, stubUrl) => qwenEnv(stubUrl),
    config: () => ({ acp: [testQwenCli(), "--acp"] }),
    setup: writeQwenSettings,
  },
  pi: {
    // Off the network (no update checks, no tool downloads) and away from a developer's Pi.
    env: (dir) => ({ PI_CODING_AGENT_DIR: join(dir, "pi-agent"), PI_OFFLINE: "1", PI_TELEMETRY: "0" }),
    config: () => ({ binary: testPiCli() }),
    setup: (dir, stubUrl) => writeModels(join(dir, "pi-agent"), stubUrl),
  },
  codex: {
    env: (dir) => ({ CODEX_HOME: join(dir, "codex-home") }),
    config: () => ({ binary: testCodexBinary() }),
    setup: (dir, stubUrl) => writeCodexConfig(join(dir, "codex-home"), stubUrl),
  },
}

export interface AgentSandbox {
  sandbox: Sandbox
  /** the project folder the harness works in */
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

/** The payloads of the events of one type, in order. */
export const payloadsOf = (events: AgentEvent[], type: string) => events.filter((e) => e.type === type).map((e) => e.payload)

/**
 * After an answer given to a request its harness could no longer take (a crash, a daemon
 * restart): the respawned harness asked the same again, and that answer applied without anyone
 * being asked twice.
 */
export async function expectKeptAnswerApplied(agents: AgentSandbox, agent: string, keptId: string): Promise<void> {
  const events = await agents.events(agent)
  const latest = payloadsOf(events, "iterate:agent:permission:requested").at(-1)
  expect(latest.id).not.toBe(keptId)
  expect(payloadsOf(events, "iterate:agent:action:permission-reply:called").slice(-2)).toEqual([
    { id: keptId, decision: "allow" },
    { id: latest.id, decision: "allow", by: "user" },
  ])
}

const definedOnly = (env: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined))

/**
 * One sandbox for a test file, made after the stub starts, wired for `harness` (whose section of
 * config.json gets `config` too); its daemon is stopped gracefully at the end, the harness with it.
 */
export function useAgentSandbox(stub: { url: string }, harness: HarnessName = "opencode", config: Record<string, unknown> = {}): AgentSandbox {
  const context = {} as AgentSandbox
  const wiring = WIRINGS[harness]
  beforeAll(() => {
    const sandbox = new Sandbox()
    Object.assign(sandbox.env, definedOnly(wiring.env(sandbox.dir, stub.url)))
    wiring.setup?.(sandbox.dir, stub.url)
    const section = JSON.stringify({ ...wiring.config(), ...config })
    writeConfig(sandbox, `{\n  // the ${harness} of the devDependency\n  "harnesses": { "${harness}": ${section} },\n}\n`)
    context.sandbox = sandbox
    context.project = context.newProject("project")
  })
  afterAll(async () => {
    await context.sandbox.run(["server", "stop"])
    context.sandbox.close()
  })
  context.newProject = (name) => {
    const dir = join(context.sandbox.dir, name)
    mkdirSync(dir)
    wiring.project?.(dir, stub.url)
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

/** How each harness's processes are told apart from others (a claude, pi or codex by the marker iterate starts it with). */
const HARNESS_PROCESS: Record<HarnessName, (argv: string[], environ: string) => boolean> = {
  opencode: (argv) => argv[1] === "serve" && argv[0]!.includes("opencode"),
  claude: (_, environ) => environ.includes("\0ITERATE_CLAUDE_AGENT="),
  pi: (_, environ) => environ.includes("\0ITERATE_PI_EXTENSION="),
  codex: (argv, environ) => argv[1] === "app-server" && environ.includes("\0ITERATE_CODEX_SERVER="),
  "claude-acp": (_, environ) => environ.includes("\0ITERATE_ACP_AGENT=claude-acp\0"),
  gemini: (_, environ) => environ.includes("\0ITERATE_ACP_AGENT=gemini\0"),
  // Qwen Code's launcher (cli-entry.js) runs the agent (cli.js) as its child and dies of the signal
  // that child dies of: the child is the harness.
  qwen: (argv, environ) => argv.some((arg) => arg.endsWith("/qwen-code/cli.js")) && environ.includes("\0ITERATE_ACP_AGENT=qwen\0"),
}

const parentOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ")[1])

/** The live processes (from /proc) whose argv and environment (with a NUL before each entry) pass `test`. */
function processesWhere(test: (argv: string[], environ: string) => boolean): number[] {
  const pids: number[] = []
  for (const entry of new Bun.Glob("[0-9]*").scanSync({ cwd: "/proc", onlyFiles: false })) {
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")
      const environ = `\0${readFileSync(`/proc/${entry}/environ`, "utf8")}`
      if (test(argv, environ) && isAlive(Number(entry))) pids.push(Number(entry))
    } catch {
      // ended while we looked
    }
  }
  return pids
}

/**
 * Every process of a sandbox (its HOME in their environment): its daemons and their watchdogs,
 * the harnesses they run and every command those started, and any iterate command still running.
 */
export const sandboxProcesses = (sandbox: Sandbox): number[] => processesWhere((_, environ) => environ.includes(`\0HOME=${sandbox.dir}\0`))

/** The watchdog a daemon started (the `sh` that stops what the daemon started once it is gone). */
export const watchdogOf = (daemon: number): number | undefined =>
  processesWhere((argv) => argv[0] === "sh" && argv[2]?.startsWith("# iterate's watchdog") === true).find((pid) => parentOf(pid) === daemon)

/**
 * The harness processes running for a sandbox: children of its daemons, or left by one (from
 * /proc); not the commands they run, which inherit their marker.
 */
export function harnessProcesses(sandbox: Sandbox, harness: HarnessName = "opencode"): number[] {
  const pids = processesWhere((argv, environ) => HARNESS_PROCESS[harness](argv, environ) && environ.includes(`\0HOME=${sandbox.dir}\0`))
  return pids.filter((pid) => {
    try {
      return !pids.includes(parentOf(pid))
    } catch {
      return false
    }
  })
}

/** Runs `argv` in a pseudo-terminal; screen() is what it printed so far without escape codes, raw() with them. */
export function inTerminal(argv: string[], env: Record<string, string>) {
  let output = ""
  const decoder = new TextDecoder()
  const child = Bun.spawn(argv, {
    env,
    terminal: { cols: 120, rows: 30, data: (_, bytes) => (output += decoder.decode(bytes, { stream: true })) },
  })
  void child.exited.then(() => child.terminal?.close())
  return { process: child, screen: () => output.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, ""), raw: () => output }
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
