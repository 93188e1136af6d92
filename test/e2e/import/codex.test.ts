// Codex sessions run with `codex exec` directly, imported (see import-suite.ts).
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { codexDirect, codexSessionFiles, codexThreadId } from "../../support/direct-runs.ts"
import { text, useResponsesStub } from "../../support/responses-stub.ts"
import { importSuite } from "./import-suite.ts"

importSuite({
  harness: "codex",
  stub: useResponsesStub(),
  text: (body) => text(body),
  direct: (where, prompt, resume) => codexDirect(where, prompt, { resume }),
  latest: (env) => codexThreadId(codexSessionFiles(env.CODEX_HOME!).at(-1)!),
  sessionFile: (env) => codexSessionFiles(env.CODEX_HOME!).at(-1)!,
  badFile: (env) => {
    const folder = join(env.CODEX_HOME!, "sessions", "2026", "01", "01")
    mkdirSync(folder, { recursive: true })
    const file = join(folder, "rollout-2026-01-01T00-00-00-00000000-0000-4000-8000-000000000000.jsonl")
    writeFileSync(file, "this is no rollout\n")
    return file
  },
})
