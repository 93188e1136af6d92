// The transcript of an agent, part by part: text, reasoning (folded), tool calls as cards, file
// diffs, permission requests with their answers, errors. Messages and parts are replaced, never
// mutated, when they change, so a message whose object is the same is not drawn again.
import { Component, type ComponentChildren } from "preact"
import { useState } from "preact/hooks"
import type { PermissionDecision } from "../protocol/agent-events.ts"
import type { ActivityPart, FileEditPart, Message, Part, PermissionPart, ToolPart } from "../transcript/types.ts"
import { permissionOutcome } from "../transcript/describe.ts"
import { ApiError } from "./api.ts"

/** Sends a person's answer; an ApiError with status 409 means it was answered (or withdrawn) already. */
export type Answer = (permission: PermissionPart, decision: PermissionDecision, message?: string) => Promise<unknown>

/** Redraws only when `value` is a different object. */
class Same extends Component<{ value: unknown; children: () => ComponentChildren }> {
  override shouldComponentUpdate(next: { value: unknown }) {
    return next.value !== this.props.value
  }
  render() {
    return this.props.children()
  }
}

const pretty = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value, null, 2))

function Tool({ part }: { part: ToolPart }) {
  return (
    <div class="card tool" data-status={part.status}>
      <div class="card-head">
        <span class="tool-name">{part.tool}</span>
        {part.title && <span class="tool-title">{part.title}</span>}
        <span class="badge">{part.status}</span>
      </div>
      {part.input !== undefined && (
        <details>
          <summary>Input</summary>
          <pre>{pretty(part.input)}</pre>
        </details>
      )}
      {part.output !== undefined && part.output !== "" && (
        <details>
          <summary>Output</summary>
          <pre>{part.output}</pre>
        </details>
      )}
      {part.error && <pre class="error">{part.error}</pre>}
    </div>
  )
}

/** Lines of a unified diff, each coloured by what it is: added, removed, a hunk header. */
export function DiffLines({ lines }: { lines: string[] }) {
  return (
    <pre>
      {lines.map((line) => (
        <div class={line.startsWith("+") && !line.startsWith("+++") ? "add" : line.startsWith("-") && !line.startsWith("---") ? "del" : line.startsWith("@@") ? "hunk" : undefined}>
          {line || " "}
        </div>
      ))}
    </pre>
  )
}

function Diff({ part }: { part: FileEditPart }) {
  return (
    <details class="card diff" open>
      <summary>
        {part.path} <span class="add">+{part.additions}</span> <span class="del">−{part.deletions}</span>
      </summary>
      <DiffLines lines={part.diff.replace(/\n$/, "").split("\n")} />
    </details>
  )
}

/** What iterate did with the agent's files: a worktree made, a setup command and its output, a merge, a revert. */
function Activity({ part }: { part: ActivityPart }) {
  return (
    <div class="card activity" data-activity={part.activity} data-state={part.state}>
      <div class="card-head">
        <span class="activity-title">{part.title}</span>
        <span class="badge">{part.state === "running" ? "running…" : part.state}</span>
      </div>
      {part.output !== undefined && (
        <details open={part.state !== "done"}>
          <summary>Output</summary>
          <pre>{part.output}</pre>
        </details>
      )}
      {part.detail && <pre class="muted activity-detail">{part.detail}</pre>}
    </div>
  )
}

/** Allow once / Always / Deny, and a message for the model that goes with Deny. */
function Choices({ part, answer }: { part: PermissionPart; answer: Answer }) {
  const [message, setMessage] = useState("")
  const [sending, setSending] = useState(false)
  const [elsewhere, setElsewhere] = useState(false)
  const [problem, setProblem] = useState<string>()
  const send = async (decision: PermissionDecision) => {
    setSending(true)
    setProblem(undefined)
    try {
      await answer(part, decision, decision === "deny" && message.trim() ? message.trim() : undefined)
    } catch (error) {
      // Someone answered first (another tab, the CLI) or the harness stopped asking: the stream
      // brings what happened, so this is news, not a failure.
      if (error instanceof ApiError && error.status === 409) setElsewhere(true)
      else setProblem((error as Error).message)
      setSending(false)
    }
  }
  if (elsewhere) return <div class="muted answered-elsewhere">answered elsewhere already</div>
  return (
    <>
      <div class="actions">
        <button type="button" class="primary" disabled={sending} onClick={() => send("allow")}>
          Allow once
        </button>
        <button type="button" disabled={sending} onClick={() => send("always")} title={`allow ${part.tool} for this agent from now on`}>
          Always
        </button>
        <button type="button" class="danger" disabled={sending} onClick={() => send("deny")}>
          Deny
        </button>
        <input
          name="message"
          class="deny-message"
          placeholder="why not (told to the model with Deny)"
          value={message}
          disabled={sending}
          onInput={(e) => setMessage(e.currentTarget.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter" && !event.isComposing && message.trim()) {
              event.preventDefault()
              void send("deny")
            }
          }}
        />
      </div>
      {problem && <div class="error small">{problem}</div>}
    </>
  )
}

export function Permission({ part, answer }: { part: PermissionPart; answer?: Answer }) {
  const state = part.decision ?? (part.withdrawn ? "withdrawn" : "pending")
  return (
    <div class="card permission" data-decision={state} data-permission={part.id}>
      <div class="card-head">
        <span class="permission-label">Permission</span>
        <span class="tool-title">{part.summary}</span>
        <span class="badge">{part.tool}</span>
      </div>
      {state === "pending" && answer ? <Choices part={part} answer={answer} /> : <div class="muted outcome">{permissionOutcome(part)}</div>}
    </div>
  )
}

function PartView({ part }: { part: Part }) {
  switch (part.kind) {
    case "text":
      return <div class="text">{part.text}</div>
    case "reasoning":
      return (
        <details class="reasoning">
          <summary>Thinking</summary>
          <div class="text">{part.text}</div>
        </details>
      )
    case "tool":
      return <Tool part={part} />
    case "file-edit":
      return <Diff part={part} />
    case "permission":
      // Answered in the pending list above the composer, which stays in view.
      return <Permission part={part} />
    case "error":
      return <div class="card error">{part.message}</div>
    case "activity":
      return <Activity part={part} />
  }
}

function MessageView({ message }: { message: Message }) {
  return (
    <article class={`message ${message.role}`} data-offset={message.offset}>
      {message.role === "assistant" && (message.model || message.aborted) && (
        <div class="muted small">
          {message.model}
          {message.aborted && <span class="badge">aborted</span>}
        </div>
      )}
      {message.parts.map((part) => (
        <PartView key={part.id} part={part} />
      ))}
    </article>
  )
}

export function Messages({ messages }: { messages: Message[] }) {
  return (
    <>
      {messages.map((message) => (
        <Same key={message.id} value={message}>
          {() => <MessageView message={message} />}
        </Same>
      ))}
    </>
  )
}
