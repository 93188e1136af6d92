// Claude Code sessions run with `claude -p` directly, imported (see import-suite.ts).
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { text, useAnthropicStub } from "../../support/anthropic-stub.ts"
import { claudeDirect, claudeSessionFiles, claudeSessionId } from "../../support/direct-runs.ts"
import { importSuite } from "./import-suite.ts"

importSuite({
  harness: "claude",
  stub: useAnthropicStub(),
  text: (body) => text(body),
  direct: (where, prompt, resume) => claudeDirect(where, prompt, { resume }),
  latest: (env) => claudeSessionId(claudeSessionFiles(env.CLAUDE_CONFIG_DIR!).at(-1)!),
  sessionFile: (env) => claudeSessionFiles(env.CLAUDE_CONFIG_DIR!).at(-1)!,
  badFile: (env) => {
    const folder = join(env.CLAUDE_CONFIG_DIR!, "projects", "-broken")
    mkdirSync(folder, { recursive: true })
    const file = join(folder, "00000000-0000-4000-8000-000000000000.jsonl")
    writeFileSync(file, "this is no session\n")
    return file
  },
})
