// Qwen Code end to end through the compiled binary: the real qwen from npm (the pinned
// devDependency) as the built-in ACP agent `qwen` (harnesses.qwen.acp names the package's
// cli-entry.js), started by the daemon the CLI starts, with the LLM stub as its OpenAI provider.
import { qwenScript } from "../../support/harness-scripts.ts"
import { harnessSuite } from "./harness-suite.ts"

harnessSuite(qwenScript())
