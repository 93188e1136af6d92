// The OpenCode harness: the daemon's only door to opencode. Daemon code only — the CLI client
// path must not import this (events.ts alone is import-free and safe for a renderer).
//
//   const runtimes = new OpencodeRuntimes({ logDir, onCrash })  // binary: config harnesses.opencode.binary
//   const opencode = runtimes.for(agent.directory)              // one `opencode serve` per directory
//   const session = await opencode.session()                    // starts the server on first use
//   for await (const event of opencode.events(signal)) …        // native events, unchanged; reconnects
//   await opencode.prompt(session.id, { text, model: "provider/model" })
//   await opencode.abort(session.id)
//   const { argv, env } = await opencode.attach(session.id)     // for `iterate attach`
//   await runtimes.stopAll()                                    // kills every server and its children
//   await stopOrphanedServer(pid)                               // a server a killed daemon left behind
//
// OpencodeRuntimes
//   new (options: { logDir, binary?, env?, credentials?, startTimeoutMs?, backoff?, maxRestarts?,
//                   healthIntervalMs?, onCrash? })
//   for(directory: string): OpencodeRuntime          same runtime for the same real path
//   stopAll(): Promise<void>
// OpencodeRuntime
//   start(): Promise<string>                         URL of the running server
//   session(title?: string): Promise<OpencodeSession>
//   prompt(sessionId, { text, model?, agent? }): Promise<void>   returns when accepted
//   abort(sessionId): Promise<boolean>
//   events(signal: AbortSignal): AsyncGenerator<OpencodeEvent>
//   attach(sessionId): Promise<{ argv, env }>
//   stop(): Promise<void>
//   pid, logFile, credentials, directory, binary
// onCrash(crash: { directory, pid, reason, restartInMs, logFile })   restartInMs undefined = gave up
// stopOrphanedServer(pid): Promise<boolean>         only if pid still is an `opencode serve`
//
// Reading events (events.ts): sessionIdOf(event) routes an event to its agent; turnStatus(event)
// is "idle" when the turn is over; turnError(event) names a failed turn; new ReplyText(sessionId)
// turns the event stream into the reply's text as it streams.
//
// Errors: OpencodeNotFoundError (no binary; the message says how to install it), OpencodeApiError
// (a refused API call, with its status), and plain Errors with one-line messages for a server that
// will not start.
export { type AttachCommand } from "./attach.ts"
export { findOpencodeBinary, INSTALL_HINT, OpencodeNotFoundError, opencodeVersion, platformBinary } from "./binary.ts"
export { type Credentials, OpencodeApiError, type OpencodeSession, type PromptInput } from "./client.ts"
export { type OpencodeEvent, ReplyText, sessionIdOf, type TurnError, turnError, type TurnStatus, turnStatus } from "./events.ts"
export { stopOrphanedServer } from "./orphans.ts"
export { OpencodeRuntime, type OpencodeRuntimeOptions } from "./runtime.ts"
export { OpencodeRuntimes } from "./runtimes.ts"
export { type OpencodeCrash } from "./supervisor.ts"
