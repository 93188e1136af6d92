// opencode sessions run with `opencode run` directly, imported from its database (see import-suite.ts).
import { opencodeDirect, opencodeSessions } from "../../support/direct-runs.ts"
import { text, useLlmStub } from "../../support/llm-stub.ts"
import { importSuite } from "./import-suite.ts"

importSuite({
  harness: "opencode",
  stub: useLlmStub(),
  text: (body) => text(body),
  direct: (where, prompt, session) => opencodeDirect(where, prompt, { session }),
  latest: (env) => opencodeSessions(env).at(-1)!,
})
