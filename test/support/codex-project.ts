// A throwaway Codex setup wired to the Responses stub: a project folder, its own HOME and
// CODEX_HOME whose config.toml names the stub as the only model provider (a custom
// `model_providers` entry with `base_url` and `wire_api = "responses"`, as a user would write
// one), with the features that reach out to the internet on their own (plugins, apps) off and the
// plan tool on. Nothing of a developer's Codex login, config or threads leaks in or gets written.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, beforeAll } from "vitest"
import { nativeBinary } from "../../src/harness/codex/binary.ts"
import type { HarnessContext } from "../../src/harness/harness.ts"
import { RecordedEvents } from "./recorded-events.ts"
import type { ResponsesStub } from "./responses-stub.ts"

/** The model the test config names: a real Codex model, so codex gives it its real tools. */
export const CODEX_STUB_MODEL = "gpt-5.5"

/** codex from the `@openai/codex` devDependency, taken from its platform package. */
export function testCodexBinary(): string {
  const pkg = createRequire(import.meta.url).resolve("@openai/codex/package.json")
  const binary = nativeBinary(dirname(pkg))
  if (!binary) throw new Error("@openai/codex's platform package is not installed: run `bun install`")
  return binary
}

/** $CODEX_HOME/config.toml with the stub as the model provider; `more` is appended (TOML). */
export function writeCodexConfig(codexHome: string, stubUrl: string, more = ""): void {
  mkdirSync(codexHome, { recursive: true })
  const config = `# the scripted Responses API of the test
model = "${CODEX_STUB_MODEL}"
model_provider = "stub"

[model_providers.stub]
name = "Stub"
base_url = "${stubUrl}"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0

[features]
plugins = false
remote_plugin = false
apps = false

[tools.update_plan]
enabled = true
${more}`
  writeFileSync(join(codexHome, "config.toml"), config)
}

export interface CodexProject {
  root: string
  /** the agent's directory */
  directory: string
  codexHome: string
  logDir: string
  dataDir: string
  /** the whole environment of codex: throwaway HOME and CODEX_HOME */
  env: Record<string, string | undefined>
  /** a HarnessContext for createCodexHarness, with the test's binary */
  context(config?: Record<string, unknown>): HarnessContext
}

export function createCodexProject(stubUrl: string): CodexProject {
  const root = mkdtempSync(join(tmpdir(), "iterate-codex-"))
  const home = join(root, "home")
  const directory = join(root, "project")
  const codexHome = join(home, ".codex")
  mkdirSync(directory, { recursive: true })
  writeCodexConfig(codexHome, stubUrl)
  const env = { PATH: process.env.PATH, HOME: home, CODEX_HOME: codexHome }
  const project: CodexProject = {
    root,
    directory,
    codexHome,
    logDir: join(root, "logs"),
    dataDir: join(root, "data"),
    env,
    context: (config = {}) => ({ logDir: project.logDir, dataDir: project.dataDir, env, config: { binary: testCodexBinary(), ...config } }),
  }
  return project
}

/** A project for a whole test file: made before the first test (after the stub starts), removed at the end. */
export function useCodexProject(stub: ResponsesStub): CodexProject {
  const project = {} as CodexProject
  beforeAll(() => void Object.assign(project, createCodexProject(stub.url)))
  afterAll(() => rmSync(project.root, { recursive: true, force: true }))
  return project
}

/** A session's calls, with the text codex streamed. */
export class CodexEvents extends RecordedEvents {
  /** Every text delta of the agent's messages, joined. */
  get streamedText(): string {
    return this.natives
      .filter((n) => n.method === "item/agentMessage/delta")
      .map((n) => (n.params as { delta: string }).delta)
      .join("")
  }
}

/** The texts of a Responses request's user messages, in order. */
export function userTexts(body: { input: Array<Record<string, unknown>> }): string[] {
  return body.input
    .filter((item) => item.type === "message" && item.role === "user")
    .flatMap((item) => (item.content as Array<{ type: string; text?: string }>).filter((c) => c.type === "input_text").map((c) => c.text ?? ""))
}
