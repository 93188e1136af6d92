// Claude Code agents end to end through the compiled binary: the real claude from npm, started by
// the daemon the CLI starts, with the Anthropic stub as its API (ANTHROPIC_BASE_URL).
import { claudeScript } from "../../support/harness-scripts.ts"
import { harnessSuite } from "./harness-suite.ts"

harnessSuite(claudeScript())
