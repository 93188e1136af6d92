// A throwaway Pi setup wired to the LLM stub: its own HOME and Pi folder (PI_CODING_AGENT_DIR),
// so nothing of a developer's Pi config, sessions or extensions leaks in or gets written, with a
// models.json whose only provider is the stub, and a project folder to work in.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, beforeAll } from "vitest"
import type { HarnessContext } from "../../src/harness/harness.ts"
import type { LlmStub } from "./llm-stub.ts"

export const PI_STUB_MODEL = "stub/stub-model"

/** Pi's CLI script from the `@mariozechner/pi-coding-agent` devDependency (its package.json bin). */
export function testPiCli(): string {
  const pkg = createRequire(import.meta.url).resolve("@mariozechner/pi-coding-agent/package.json")
  return join(dirname(pkg), "dist", "cli.js")
}

export interface PiProject {
  root: string
  /** the folder the agents work in */
  directory: string
  /** the Pi folder holding models.json (PI_CODING_AGENT_DIR) */
  agentDir: string
  /** the harness context: pi from the devDependency, idle timeout `idleTimeoutMs` */
  context(config?: Record<string, unknown>): HarnessContext
}

/**
 * Keeps Pi off the network (no update checks, no tool downloads: there is no internet here) and
 * away from a developer's own Pi settings.
 */
export function piEnv(root: string): Record<string, string | undefined> {
  const home = join(root, "home")
  return {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local", "share"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_STATE_HOME: join(home, ".local", "state"),
    PI_CODING_AGENT_DIR: join(root, "pi-agent"),
    PI_CODING_AGENT_SESSION_DIR: undefined,
    PI_OFFLINE: "1",
    PI_TELEMETRY: "0",
    ANTHROPIC_API_KEY: undefined,
    OPENAI_API_KEY: undefined,
    GEMINI_API_KEY: undefined,
  }
}

/** A models.json in `agentDir` whose only provider is the stub (two models, the first priced so that turns have a cost). */
export function writeModels(agentDir: string, stubUrl: string): void {
  mkdirSync(agentDir, { recursive: true })
  const models = {
    providers: {
      stub: {
        baseUrl: stubUrl,
        api: "openai-completions",
        apiKey: "stub",
        compat: { supportsDeveloperRole: false, supportsReasoningEffort: false },
        models: [
          { id: "stub-model", name: "Stub model", cost: { input: 1, output: 2, cacheRead: 0, cacheWrite: 0 } },
          { id: "stub-other", name: "Another stub model" },
        ],
      },
    },
  }
  writeFileSync(join(agentDir, "models.json"), JSON.stringify(models, null, 2))
}

export function createPiProject(stubUrl: string): PiProject {
  const root = mkdtempSync(join(tmpdir(), "iterate-pi-"))
  const directory = join(root, "project")
  mkdirSync(directory)
  mkdirSync(join(root, "home"))
  const agentDir = join(root, "pi-agent")
  writeModels(agentDir, stubUrl)
  return {
    root,
    directory,
    agentDir,
    context: (config = {}) => ({
      logDir: join(root, "logs"),
      dataDir: join(root, "data"),
      config: { binary: testPiCli(), ...config },
      env: piEnv(root),
    }),
  }
}

/** A project for a whole test file: made before the first test (after the stub starts), removed at the end. */
export function usePiProject(stub: LlmStub): PiProject {
  const project = {} as PiProject
  beforeAll(() => void Object.assign(project, createPiProject(stub.url)))
  afterAll(() => rmSync(project.root, { recursive: true, force: true }))
  return project
}
