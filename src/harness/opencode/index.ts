// The OpenCode harness, for the registry (../index.ts). Daemon code only: the CLI client path
// must not import this; renderers use transcript.ts (and events.ts), which import no runtime.
//
//   harness.ts      the Harness: check (binary, version, provider), modelProblem, open, orphans
//   server.ts       the one supervised `opencode serve` for every directory, and its event stream
//   session.ts      one agent's opencode session: prompts, aborts, permission answers, turn ends
//   permissions.ts  opencode's permission requests as iterate asks them, and the rules that make it ask
//   supervisor.ts, serve-process.ts, orphans.ts   the process and its restarts (../process: trees, exits)
//   client.ts       the slice of opencode's HTTP API used; binary.ts finds the executable
//   events.ts       what opencode's native events mean for a turn; transcript.ts folds them
export { opencodeHarness } from "./harness.ts"
