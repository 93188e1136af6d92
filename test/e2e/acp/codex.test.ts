// `iterate acp` with Codex agents end to end: the real codex from npm behind the compiled binary,
// the Responses stub as its model provider, the published ACP library as the editor.
import { codexScript } from "../../support/harness-scripts.ts"
import { acpHarnessSuite } from "./harness-suite.ts"

acpHarnessSuite(codexScript())
