// The vocabulary of an agent's stream, shared by the daemon (the adapter writes it) and renderers
// (the CLI reads it). Import-free, so the CLI client path can load it.
//
//   iterate:agent:action:prompt:called      {text, model?}      a renderer asks for a turn
//   iterate:agent:action:abort:called       {}                  a renderer asks to stop the turn
//   iterate:agent:status:changed            {status, prompt?, error?, aborted?}
//       busy: the adapter handed the prompt at offset `prompt` to the harness (also when the
//       agent was busy already: the harness folds it into the running turn); idle: the turn of
//       `prompt` is over (`aborted` when an abort ended it); error: it failed, `error` says why
//   iterate:agent:harness:<name>:event-received   the harness's own event, unchanged, as payload
//   iterate:agent:harness:<name>:crashed    {pid?, reason, restartInMs?, logFile}
//   iterate:agent:error:occurred            {message, action?}  the adapter could not carry out an action

export const AGENT_EVENT = {
  prompt: "iterate:agent:action:prompt:called",
  abort: "iterate:agent:action:abort:called",
  status: "iterate:agent:status:changed",
  error: "iterate:agent:error:occurred",
} as const

export const harnessEventType = (harness: string) => `iterate:agent:harness:${harness}:event-received`
export const harnessCrashType = (harness: string) => `iterate:agent:harness:${harness}:crashed`

export type AgentStatus = "idle" | "busy" | "error"

export interface PromptPayload {
  text: string
  /** provider/model for this turn; the agent's model otherwise */
  model?: string
}

export interface StatusPayload {
  status: AgentStatus
  /** offset of the prompt action whose turn this is (the latest, when prompts were folded into one turn) */
  prompt?: string
  error?: string
  aborted?: boolean
}

export interface ErrorPayload {
  message: string
  /** offset of the action that failed */
  action?: string
}

export interface CrashPayload {
  pid?: number
  reason: string
  /** when the harness is started again; absent when it was given up on until the next prompt */
  restartInMs?: number
  logFile: string
}
