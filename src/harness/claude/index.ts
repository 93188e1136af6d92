// The Claude Code harness: the daemon's only door to claude. Daemon code only — the CLI client
// path must not import this (protocol.ts and transcript.ts alone are import-free and safe for a
// renderer).
//
//   const claude = createClaudeHarness({ logDir, dataDir, config, env })  // config: harnesses.claude
//   await claude.check()                   // binary, version, provider (env or `claude auth status`)
//   const session = claude.open(agent, events)   // nothing starts until the first prompt
//   await session.prompt({ text })         // spawns claude (--session-id, or --resume once it has a conversation)
//   await session.abort()                  // interrupt; resolves once the turn is over
//   await session.answer(nativeId, { decision: "allow" })   // a can_use_tool request
//   await session.close()                  // kills the process tree; open() with agent.resume carries on
//   await claude.stopOrphan(pid)           // a claude a killed daemon left behind
//
// What the session reports (HarnessEvents): every stdout line, parsed, as event(); resumable
// ({ sessionId }) once at the first spawn; processStarted/processExited per process; permission /
// permissionWithdrawn per can_use_tool; turnEnded when every prompt of the turn is done; crashed
// for a process that died on its own (it is started again by the next prompt, so restartInMs is
// never set). Stderr goes to claude-<agent id>.log in the log folder.
export { ClaudeNotFoundError, claudeVersion, findClaudeBinary, INSTALL_COMMAND, nativeBinary } from "./binary.ts"
export { createClaudeHarness, OFFLINE_ENV } from "./harness.ts"
export { claudeModel, modelProblem } from "./model.ts"
export { ClaudeSession } from "./session.ts"
