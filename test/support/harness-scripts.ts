// What differs between the harnesses claude, pi, codex, claude-agent-acp and qwen when a test drives them through the
// compiled binary against a scripted model server: the stub each talks to, how a reply, a file
// write and a command are scripted for it, and where a request holds the conversation. The CLI suite
// (test/e2e/agents/harness-suite.ts) and the ACP suite (test/e2e/acp/harness-suite.ts) run on these.
import { join } from "node:path"
import * as anthropic from "./anthropic-stub.ts"
import * as openai from "./llm-stub.ts"
import { PI_STUB_MODEL } from "./pi-project.ts"
import * as responses from "./responses-stub.ts"

interface ModelServer<Reply> {
  url: string
  reply(...replies: Reply[]): void
  reset(): void
  /** the model requests of the conversation, in order: chat and Messages APIs send `messages`, the Responses API `input` */
  readonly turns: ReadonlyArray<{ cancelled: boolean; body: { messages: unknown } | { input: unknown } }>
}

/** Everything the model was sent in a request's conversation, as JSON. */
export const conversationOf = (request: { body: { messages: unknown } | { input: unknown } }) =>
  JSON.stringify("messages" in request.body ? request.body.messages : request.body.input)

export interface HarnessScript<Reply> {
  harness: "claude" | "pi" | "codex" | "claude-acp" | "qwen"
  stub: ModelServer<Reply>
  /** a streamed text reply; slow with a delay between its chunks */
  text(body: string, options?: { chunkSize?: number; delayMs?: number }): Reply
  /** the model calling the harness's tool that writes `name` (in `directory`) */
  write(directory: string, name: string, content: string): Reply
  /** the model calling the harness's shell tool */
  command(line: string): Reply
  /** the model a new agent needs (pi has no default one), for --model */
  model?: string
  /** After an abort the agent is started afresh in its session (an ACP agent that can restore one), rather than kept. */
  restartsAfterAbort?: boolean
  /** Its process killed (SIGKILL) mid-turn, the turn fails as a crash: false when the harness has no one process that is the agent. */
  killable?: boolean
  /** A refused tool call ends the turn, without the model being told. */
  endsTurnOnDeny?: boolean
}

/** `--model M` when the harness needs one. */
export const modelArgs = (script: HarnessScript<unknown>) => (script.model ? ["--model", script.model] : [])

/** The real claude from npm with the Anthropic stub as its API (ANTHROPIC_BASE_URL); the stub lives for the file. */
export const claudeScript = (): HarnessScript<anthropic.StubReply> => ({
  harness: "claude",
  stub: anthropic.useAnthropicStub(),
  text: anthropic.text,
  // claude's Write takes an absolute path
  write: (directory, name, content) => anthropic.toolUse("Write", { file_path: join(directory, name), content }),
  command: (line) => anthropic.toolUse("Bash", { command: line, description: "Run it" }),
})

/** Zed's claude-agent-acp from npm, configured as the ACP agent `claude-acp`, with the Anthropic stub as Claude's API. */
export const claudeAcpScript = (): HarnessScript<anthropic.StubReply> => ({
  ...claudeScript(),
  harness: "claude-acp",
  restartsAfterAbort: true,
})

/** The real pi from npm, run by iterate's own Bun, with the LLM stub as its only provider; the stub lives for the file. */
export const piScript = (): HarnessScript<openai.StubReply> => ({
  harness: "pi",
  stub: openai.useLlmStub(),
  text: openai.text,
  write: (_, name, content) => openai.toolCall("write", { path: name, content }),
  command: (line) => openai.toolCall("bash", { command: line }),
  model: PI_STUB_MODEL,
})

/** The real codex from npm (its platform package's binary) with the Responses stub as its only model provider; the stub lives for the file. */
export const codexScript = (): HarnessScript<responses.StubReply> => ({
  harness: "codex",
  stub: responses.useResponsesStub(),
  text: responses.text,
  // apply_patch takes paths relative to the thread's directory
  write: (_, name, content) => responses.applyPatch(responses.addFilePatch(name, content)),
  command: (line) => responses.exec(line),
})

/** Qwen Code from npm as the built-in ACP agent `qwen`, with the LLM stub as its OpenAI provider; the stub lives for the file. */
export const qwenScript = (): HarnessScript<openai.StubReply> => ({
  harness: "qwen",
  stub: openai.useLlmStub(),
  text: openai.text,
  // Qwen Code's write_file takes an absolute path
  write: (directory, name, content) => openai.toolCall("write_file", { file_path: join(directory, name), content }),
  command: (line) => openai.toolCall("run_shell_command", { command: line, description: "Run it" }),
  restartsAfterAbort: true,
  // Its launcher and a supervisor run the agent as a grandchild: one killed leaves the others to
  // end the turn as cancelled, which no test can tell from an abort.
  killable: false,
  endsTurnOnDeny: true,
})
