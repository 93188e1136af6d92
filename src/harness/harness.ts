// The one interface between the agents layer and a harness (opencode, claude, pi, … codex). A
// harness lives in src/harness/<name>/: finding its binary, the processes it supervises, the
// session that carries an agent's actions to it, and its transcript reducer (transcript.ts, pure,
// loaded by renderers too). src/agents knows harnesses only through this file and the registry in
// ./index.ts: a new harness is a new folder and one line there.
//
// The same names in every harness folder: index.ts is the Harness and its factory, the one file
// the registry imports (there is no harness.ts in a folder: this file is the interface);
// session.ts is one agent's HarnessSession; transcript.ts the pure reducer (registered in
// ../transcripts.ts); binary.ts finds the executable and its version; permissions.ts maps the
// harness's requests to PermissionAsks and answers back; orphans.ts stops what a killed daemon
// left; import.ts reads the sessions the harness keeps itself (HarnessImporter, below). What only
// one harness has is named for what it is (opencode's server.ts, pi's launch.ts).
//
// The agents layer owns everything durable: it reads actions from the agent's stream in order,
// appends what the session reports, keeps the turn's status, decides permission requests by the
// agent's policy (or waits for a person), and stores what the session needs to resume. A session
// owns the harness's processes and protocol, and reports through HarnessEvents.
//
// Stopping. A daemon stops in well under a second, and takes every harness process along, with
// the commands those ran, however it ends. What a harness does for that:
//   - Start every process with HarnessContext.env (extended, never replaced by a clean one): it
//     carries the daemon's run marker, by which the daemon's watchdog (process/watchdog.ts) stops
//     the process, and every command it runs, once the daemon is killed outright.
//   - Run each process in a process group of its own (detached), as process/lines.ts does, and
//     stop it with process/tree.ts's killTree (or LineProcess.kill): SIGTERM to the process and
//     everything below it, SIGKILL half a second later to what ignores that. close() and stop()
//     resolve once the processes are gone; they never wait for one to exit by itself.
//   - Report each process through processStarted/processExited, and recognise one in stopOrphan:
//     where no watchdog runs (Windows, no `sh`) the next daemon stops what a killed one left.
// What a session reported before close() is on the stream: the agents layer stores it first.
import type { CrashPayload, PermissionDecision, PermissionKind } from "../protocol/agent-events.ts"

export interface HarnessAgent {
  id: string
  name: string
  /** absolute path of an existing directory */
  directory: string
  /** as the user gave it (checked by Harness.modelProblem); the harness's default when absent */
  model?: string
  /** what the session last reported through `resumable`; absent for a new agent */
  resume?: HarnessResume
}

/** Opaque to the agents layer, stored as JSON: e.g. `{ sessionId }` or `{ sessionFile }`. */
export type HarnessResume = Record<string, string>

export interface TurnInput {
  text: string
  /** for this turn only; the agent's model otherwise */
  model?: string
}

export interface TurnEnd {
  status: "idle" | "error"
  /** one line, for status error */
  error?: string
  /** an abort ended it */
  aborted?: boolean
}

export interface PermissionAsk {
  /** the harness's own id for the request: the one `answer` gets back */
  nativeId: string
  tool: string
  kind: PermissionKind
  /** one line for a person: "write src/app.ts", "run `npm test`" */
  summary: string
  /** the harness's own request, verbatim */
  request: unknown
  /**
   * What the tool call would do (its input, as the harness has it). With `tool` it names the call
   * across a respawn: a harness that asks the same again after a crash or a daemon restart gets
   * the answer given meanwhile. `summary` stands in when absent.
   */
  input?: unknown
}

export interface PermissionAnswer {
  /** `always` is remembered by the agents layer (the agent's allowed tools): a harness may answer it as a one-time allow */
  decision: PermissionDecision
  /** for deny: what the model is told */
  message?: string
}

/** How a session reports to the agents layer. Calls are cheap: the layer batches appends. */
export interface HarnessEvents {
  /** one native event, appended verbatim as iterate:agent:harness:<name>:event-received */
  event(native: unknown): void
  /** the turn the prompts since the last turn end started is over */
  turnEnded(end: TurnEnd): void
  /** the harness waits for a decision; answer it with session.answer(ask.nativeId, …) */
  permission(ask: PermissionAsk): void
  /**
   * The harness no longer waits for an answer to a request it asked: its turn was aborted, or
   * someone answered it in the harness's own UI. Not for a request that died with its process:
   * the agents layer keeps that one answerable, and applies its answer when the respawned
   * harness asks the same call again (see PermissionAsk.input). At the end of an idle turn the
   * agents layer withdraws whatever is still pending itself.
   */
  permissionWithdrawn(nativeId: string): void
  /**
   * What the user should know that the harness does not say itself (an ACP agent restarted without
   * its conversation), appended as iterate:agent:error:occurred; the turn goes on.
   */
  warn(message: string): void
  /** a harness process died; if a turn died with it, turnEnded follows */
  crashed(crash: CrashPayload): void
  /** from now on the session can be resumed from this, after a process or daemon restart */
  resumable(resume: HarnessResume): void
  /** a process this session started (so a later daemon can stop it if this one is killed) */
  processStarted(pid: number): void
  processExited(pid: number): void
}

export interface HarnessSession {
  /** Starts a turn, or folds the text into the running one; resolves once the harness took it. */
  prompt(input: TurnInput): Promise<void>
  /** Ends the running turn; the harness's process stays up. No-op without a turn. */
  abort(): Promise<void>
  answer(nativeId: string, answer: PermissionAnswer): Promise<void>
  /** The command that opens the harness's own TUI on this session. */
  attach(): Promise<AttachCommand>
  /** Stops what this session runs (see "Stopping" above); a later open() with the same resume carries on. */
  close(): Promise<void>
}

export interface AttachCommand {
  argv: string[]
  /** added to the environment of that process (it may hold a password: never put it in argv) */
  env: Record<string, string>
  cwd?: string
}

export interface HarnessProblem {
  problem: string
  /** the command (or setting) that fixes it */
  fix: string
}

export interface HarnessCheck {
  name: string
  available: boolean
  binary?: string
  version?: string
  /** what runs the binary, when it is a script (pi's CLI is JavaScript): e.g. "bun 1.4.5 (iterate's own)" */
  runtime?: string
  /** empty when it is ready; otherwise what is missing, each with its fix */
  problems: HarnessProblem[]
}

/** Thrown by open() (and session calls) when the harness cannot run at all; the message says how to fix it. */
export class HarnessUnavailableError extends Error {}

export interface Harness {
  readonly name: string
  /** Reads the sessions a person ran in this harness directly (`iterate import`); absent for a harness that keeps none. */
  readonly importer?: HarnessImporter
  /** binary, version, provider configuration: what is missing and the command that fixes it */
  check(): Promise<HarnessCheck>
  /** why `model` cannot be used with this harness, or undefined when it can */
  modelProblem(model: string): string | undefined
  /** The session of one agent. Starts nothing: the first call does. Throws HarnessUnavailableError. */
  open(agent: HarnessAgent, events: HarnessEvents): HarnessSession
  /** A process a killed daemon left behind: stopped if it still is one of this harness's; false when it is not. */
  stopOrphan(pid: number): Promise<boolean>
  /** Stops every process of every session, at once (see "Stopping" above). */
  stop(): Promise<void>
}

export interface HarnessContext {
  /** where harness logs go (the daemon's log folder) */
  logDir: string
  /** a folder of the daemon's data this harness may keep files in (created on demand) */
  dataDir: string
  /** `harnesses.<name>` of config.json, unchecked: each harness validates its own section */
  config: Record<string, unknown>
  /** the environment harness processes start from */
  env: Record<string, string | undefined>
}

export type HarnessFactory = (context: HarnessContext) => Harness

// ---- Importing sessions run outside iterate (`iterate import <harness> [PATH]`)
//
// An importer reads where the harness keeps its sessions (files, or its database) and gives each
// session as the turns a live agent's stream would hold: per turn the prompt, the harness's native
// events in the very shapes its session reports them (so the same transcript reducer folds them),
// and how the turn ended. Reading is pure: it starts no process and writes nothing. A cursor says
// how far a session was read; the next read gives only what the session gained since.

/** One session where the harness keeps them. */
export interface SessionSource {
  /** the harness's id of the session: what it resumes from, and what an import is keyed on */
  sessionId: string
  /** where it is kept: its file, or the database it is in */
  location: string
}

export interface ImportedTurn {
  /** when it started: the time of its prompt (ISO 8601) */
  at: string
  /** what the person asked; absent for the rest of a turn an earlier read ended inside of */
  prompt?: string
  /** the harness's native events, as its live session reports them */
  events: unknown[]
  end: TurnEnd
}

/** A session read from its cursor on. */
export interface ImportedSession {
  /** the agent's resume state: what the harness's session reports through `resumable` */
  resume: HarnessResume
  /** the working directory it ran in; undefined when what was read does not say */
  directory?: string
  /** when it started (ISO 8601); undefined when what was read does not say */
  startedAt?: string
  /** the turns after the cursor, oldest first */
  turns: ImportedTurn[]
  /** where the next read goes on from, opaque to the caller */
  cursor: string
}

/** The sessions under one path, open for reading. */
export interface ImportSource {
  readonly sessions: SessionSource[]
  /** The session from `cursor` on (the start when undefined). Throws ImportFormatError when it is not in the harness's format. */
  read(session: SessionSource, cursor: string | undefined): Promise<ImportedSession>
  /** Lets go of what open() holds (a database). */
  close(): void
}

export interface HarnessImporter {
  /** where the harness keeps its sessions, in the daemon's environment: what `iterate import <harness>` reads */
  readonly defaultPath: string
  /** The sessions under `path` (a file or a folder). Throws ImportPathError when there is none. */
  open(path: string): Promise<ImportSource>
}

/** A path with no session of the harness in it (or no such path); the message names it. */
export class ImportPathError extends Error {}

/** A file that is not in the harness's format: nothing of it is imported; the message names it. */
export class ImportFormatError extends Error {}
