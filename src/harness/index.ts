// Every harness iterate can drive, by name. A harness is a folder src/harness/<name>/ and one
// line here; src/agents knows harnesses only through this map and ./harness.ts.
import type { HarnessFactory } from "./harness.ts"
import { opencodeHarness } from "./opencode/index.ts"

export const HARNESSES: Record<string, HarnessFactory> = {
  opencode: opencodeHarness,
}
