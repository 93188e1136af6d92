// Every harness's transcript reducer, for renderers. Each reducer is pure and import-free of
// harness runtime code, so this registry is safe on the CLI client path and in the browser.
// Renderers know a harness only by the name in its events' type, and any name that is not one of
// these is an ACP agent (built in, like gemini, or configured under a name of the user's): it gets
// the ACP reducer, which ignores whatever is no ACP update.
import { foldAcp } from "./acp/transcript.ts"
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

/** The reducer of the harness `name`. */
export const reducerFor = (name: string): HarnessReducer => REDUCERS[name] ?? foldAcp

/** A builder for an agent of `harness`, with every known reducer. */
export const transcriptFor = (harness: string) => new TranscriptBuilder(harness, reducerFor)
