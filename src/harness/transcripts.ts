// Every harness's transcript reducer, for renderers. Each reducer is pure and import-free of
// harness runtime code, so this registry is safe on the CLI client path and in the browser.
import { foldClaude } from "./claude/transcript.ts"
import { foldCodex } from "./codex/transcript.ts"
import { foldOpencode } from "./opencode/transcript.ts"
import { foldPi } from "./pi/transcript.ts"
import { type HarnessReducer, TranscriptBuilder } from "../transcript/build.ts"

export const REDUCERS: Record<string, HarnessReducer> = {
  opencode: foldOpencode,
  claude: foldClaude,
  pi: foldPi,
  codex: foldCodex,
}

/** A builder for an agent of `harness`, with every known reducer. */
export const transcriptFor = (harness: string) => new TranscriptBuilder(harness, REDUCERS)
