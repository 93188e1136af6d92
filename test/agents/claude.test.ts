// Claude Code agents end to end through the compiled binary: the real claude from npm, started by
// the daemon the CLI starts, with the Anthropic stub as its API (ANTHROPIC_BASE_URL).
import { join } from "node:path"
import { text, toolUse, useAnthropicStub } from "../support/anthropic-stub.ts"
import { harnessSuite } from "./harness-suite.ts"

harnessSuite({
  harness: "claude",
  stub: useAnthropicStub(),
  text,
  // claude's Write takes an absolute path
  write: (directory, name, content) => toolUse("Write", { file_path: join(directory, name), content }),
  command: (line) => toolUse("Bash", { command: line, description: "Run it" }),
  outlivesDaemon: true,
  agentArgs: [],
})
