// Codex agents end to end through the compiled binary: the real codex from npm (its platform
// package's native binary), one app-server started by the daemon the CLI starts, with the
// Responses stub as the only model provider in CODEX_HOME's config.toml.
import { codexScript } from "../../support/harness-scripts.ts"
import { harnessSuite } from "./harness-suite.ts"

harnessSuite(codexScript())
