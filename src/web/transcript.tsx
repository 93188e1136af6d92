// The transcript of an agent, part by part: text, reasoning (folded), tool calls as cards, file
// diffs, permission requests with their answers, errors. Messages and parts are replaced, never
// mutated, when they change, so a message whose object is the same is not drawn again.
import { Component, type ComponentChildren } from "preact"
import type { PermissionDecision } from "../protocol/agent-events.ts"
import type { FileEditPart, Message, Part, PermissionPart, ToolPart } from "../transcript/types.ts"

export type Answer = (permission: PermissionPart, decision: PermissionDecision) => void

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

function Diff({ part }: { part: FileEditPart }) {
  const lines = part.diff.replace(/\n$/, "").split("\n")
  return (
    <details class="card diff" open>
      <summary>
        {part.path} <span class="add">+{part.additions}</span> <span class="del">−{part.deletions}</span>
      </summary>
      <pre>
        {lines.map((line) => (
          <div class={line.startsWith("+") && !line.startsWith("+++") ? "add" : line.startsWith("-") && !line.startsWith("---") ? "del" : line.startsWith("@@") ? "hunk" : undefined}>
            {line || " "}
          </div>
        ))}
      </pre>
    </details>
  )
}

const DECISION: Record<PermissionDecision, string> = { allow: "allowed once", always: "always allowed", deny: "denied" }

export function Permission({ part, answer }: { part: PermissionPart; answer?: Answer }) {
  return (
    <div class="card permission" data-decision={part.decision ?? "pending"} data-permission={part.id}>
      <div class="card-head">
        <span class="tool-name">{part.tool}</span>
        <span class="tool-title">{part.summary}</span>
      </div>
      {part.decision ? (
        <div class="muted">
          {DECISION[part.decision]}
          {part.by === "policy" ? " by the agent's policy" : ""}
          {part.message ? `: ${part.message}` : ""}
        </div>
      ) : answer ? (
        <div class="actions">
          <button type="button" class="primary" onClick={() => answer(part, "allow")}>
            Allow once
          </button>
          <button type="button" onClick={() => answer(part, "always")}>
            Always
          </button>
          <button type="button" class="danger" onClick={() => answer(part, "deny")}>
            Deny
          </button>
        </div>
      ) : (
        <div class="muted">no answer yet</div>
      )}
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
