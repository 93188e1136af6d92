// An ACP agent end to end through the compiled binary: Zed's claude-agent-acp from npm, configured as
// harnesses.claude-acp.acp, started by the daemon the CLI starts, with the Anthropic stub as its API.
import { claudeAcpScript } from "../../support/harness-scripts.ts"
import { harnessSuite } from "./harness-suite.ts"

harnessSuite(claudeAcpScript())
