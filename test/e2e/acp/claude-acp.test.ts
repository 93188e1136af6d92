// `iterate acp` with an ACP agent behind it: an editor driving Zed's claude-agent-acp (configured as
// harnesses.claude-acp.acp) through the compiled binary, the Anthropic stub as Claude's API.
import { claudeAcpScript } from "../../support/harness-scripts.ts"
import { acpHarnessSuite } from "./harness-suite.ts"

acpHarnessSuite(claudeAcpScript())
