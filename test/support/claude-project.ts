// A throwaway Claude Code setup wired to the Anthropic stub: a project folder, its own HOME and
// CLAUDE_CONFIG_DIR (so nothing of a developer's Claude login, settings or conversations leaks in
// or gets written), and an environment whose only provider is the stub. Also the recorded
// HarnessEvents a test hands to a session, with claude's streamed text.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, beforeAll } from "vitest"
import { nativeBinary } from "../../src/harness/claude/binary.ts"
import type { HarnessContext } from "../../src/harness/harness.ts"
import type { AnthropicStub } from "./anthropic-stub.ts"
import { RecordedEvents } from "./recorded-events.ts"

/** claude from the `@anthropic-ai/claude-code` devDependency, taken from its platform package. */
export function testClaudeBinary(): string {
  const pkg = createRequire(import.meta.url).resolve("@anthropic-ai/claude-code/package.json")
  const binary = nativeBinary(dirname(pkg))
  if (!binary) throw new Error("@anthropic-ai/claude-code's platform package is not installed: run `bun install`")
  return binary
}

/** Zed's claude-agent-acp from its devDependency, as the words of an ACP command line (it runs on Node). */
export function testClaudeAcp(): string[] {
  return [createRequire(import.meta.url).resolve("@zed-industries/claude-agent-acp/dist/index.js")]
}

export interface ClaudeProject {
  root: string
  /** the agent's directory */
  directory: string
  logDir: string
  dataDir: string
  /** the whole environment of claude: the stub as provider, throwaway HOME and config folder */
  env: Record<string, string | undefined>
  /** a HarnessContext for createClaudeHarness, with the test's binary */
  context(config?: Record<string, unknown>): HarnessContext
}

/** A project for a whole test file: made before the first test (after the stub starts), removed at the end. */
export function useClaudeProject(stub: AnthropicStub): ClaudeProject {
  const project = {} as ClaudeProject
  beforeAll(() => void Object.assign(project, createClaudeProject(stub.url)))
  afterAll(() => rmSync(project.root, { recursive: true, force: true }))
  return project
}

export function createClaudeProject(stubUrl: string): ClaudeProject {
  const root = mkdtempSync(join(tmpdir(), "iterate-claude-"))
  const home = join(root, "home")
  const directory = join(root, "project")
  mkdirSync(home)
  mkdirSync(directory)
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    CLAUDE_CONFIG_DIR: join(home, ".claude"),
    ANTHROPIC_BASE_URL: stubUrl,
    ANTHROPIC_API_KEY: "sk-ant-stub",
  }
  const project: ClaudeProject = {
    root,
    directory,
    logDir: join(root, "logs"),
    dataDir: join(root, "data"),
    env,
    context: (config = {}) => ({ logDir: project.logDir, dataDir: project.dataDir, env, config: { binary: testClaudeBinary(), ...config } }),
  }
  return project
}

/** A session's calls, with the text claude streamed. */
export class ClaudeEvents extends RecordedEvents {
  /** Every text the assistant streamed, joined. */
  get streamedText(): string {
    return this.natives
      .filter((n) => n.type === "stream_event")
      .map((n) => (n.event as { delta?: { type?: string; text?: string } }).delta)
      .filter((d) => d?.type === "text_delta")
      .map((d) => d!.text)
      .join("")
  }
}

/** The texts of a stub request's user messages, in order (tool results as their content). */
export function userTexts(body: { messages: Array<{ role: string; content: unknown }> }): string[] {
  return body.messages
    .filter((m) => m.role === "user")
    .flatMap((m) => (typeof m.content === "string" ? [{ type: "text", text: m.content }] : (m.content as Array<Record<string, unknown>>)))
    .map((c) => (c.type === "tool_result" ? JSON.stringify(c.content) : String(c.text ?? "")))
}
