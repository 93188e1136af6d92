// `iterate acp` with Pi agents end to end: the real pi from npm behind the compiled binary, the
// LLM stub as its only provider, the published ACP library as the editor.
import { piScript } from "../../support/harness-scripts.ts"
import { acpHarnessSuite } from "./harness-suite.ts"

acpHarnessSuite(piScript())
