// Pi agents end to end through the compiled binary: the real pi from npm, run by iterate's own Bun
// as a user gets it, started by the daemon the CLI starts, with the LLM stub as its only provider.
import { piScript } from "../../support/harness-scripts.ts"
import { harnessSuite } from "./harness-suite.ts"

harnessSuite(piScript())
