// `iterate acp` with Claude Code agents end to end: the real claude from npm behind the compiled
// binary, the Anthropic stub as its API, the published ACP library as the editor.
import { claudeScript } from "../../support/harness-scripts.ts"
import { acpHarnessSuite } from "./harness-suite.ts"

acpHarnessSuite(claudeScript())
