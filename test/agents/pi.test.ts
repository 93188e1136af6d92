// Pi agents end to end through the compiled binary: the real pi from npm, run by iterate's own Bun
// as a user gets it, started by the daemon the CLI starts, with the LLM stub as its only provider.
import { text, toolCall, useLlmStub } from "../support/llm-stub.ts"
import { PI_STUB_MODEL } from "../support/pi-project.ts"
import { harnessSuite } from "./harness-suite.ts"

harnessSuite({
  harness: "pi",
  stub: useLlmStub(),
  text,
  write: (_, name, content) => toolCall("write", { path: name, content }),
  command: (line) => toolCall("bash", { command: line }),
  outlivesDaemon: false,
  agentArgs: ["--model", PI_STUB_MODEL],
})
