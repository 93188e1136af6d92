// One agent: its transcript (live), status, permission policy, Abort, pending permission
// requests, a composer, and the raw events; or (the Changes tab) what it changed, with Merge for a
// worktree agent. `/` focuses the composer; Esc aborts the running turn.
import { useEffect, useMemo, useRef, useState } from "preact/hooks"
import type { PermissionPolicy } from "../protocol/agent-events.ts"
import { abortAgent, getAgent, promptAgent, replyPermission, updateAgent } from "../sdk/sdk.gen.ts"
import type { Agent } from "../sdk/types.gen.ts"
import { call } from "./api.ts"
import { AgentView } from "./agent-view.ts"
import { ArchiveActions } from "./archive-actions.tsx"
import { Changes } from "./changes.tsx"
import { type AgentTab, navigate, query } from "./router.ts"
import { Todos } from "./todos.tsx"
import { type Answer, Messages, Permission } from "./transcript.tsx"
import { Branch, Link, PolicySelect, Spend, Status, when } from "./ui.tsx"

const SHOWN = 150
const RAW_SHOWN = 500

function RawEvents({ view }: { view: AgentView }) {
  const events = view.events.slice(-RAW_SHOWN)
  return (
    <ol class="raw">
      {view.events.length > RAW_SHOWN && <li class="muted">{view.events.length - RAW_SHOWN} earlier events not shown</li>}
      {events.map((event) => (
        <li key={event.offset} data-offset={event.offset}>
          <span class="muted">{event.offset}</span> <strong>{event.type}</strong> <code>{JSON.stringify(event.payload ?? null).slice(0, 400)}</code>
        </li>
      ))}
    </ol>
  )
}

function Composer({ agent, busy, onAbort }: { agent: Agent; busy: boolean; onAbort: () => void }) {
  const [text, setText] = useState("")
  const [problem, setProblem] = useState<string>()
  const [sending, setSending] = useState(false)
  const input = useRef<HTMLTextAreaElement>(null)

  useEffect(() => {
    const keys = (event: KeyboardEvent) => {
      const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement || event.target instanceof HTMLSelectElement
      if (event.key === "/" && !typing) {
        event.preventDefault()
        input.current?.focus()
      } else if (event.key === "Escape" && busy) {
        event.preventDefault()
        onAbort()
      }
    }
    addEventListener("keydown", keys)
    return () => removeEventListener("keydown", keys)
  }, [busy, onAbort])

  const send = async () => {
    if (!text.trim() || sending) return
    setSending(true)
    setProblem(undefined)
    try {
      await call(promptAgent({ path: { agent: agent.id }, body: { text } }))
      setText("")
    } catch (error) {
      setProblem((error as Error).message)
    } finally {
      setSending(false)
    }
  }

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault()
        void send()
      }}
    >
      {problem && <div class="error small">{problem}</div>}
      <div class="composer-row">
        <textarea
          ref={input}
          name="prompt"
          rows={2}
          placeholder={`Message ${agent.name} (Enter sends, Shift+Enter for a new line)`}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
              event.preventDefault()
              void send()
            }
          }}
        />
        {busy ? (
          <button type="button" class="danger" onClick={onAbort}>
            Abort
          </button>
        ) : (
          <button type="submit" class="primary" disabled={sending || !text.trim()}>
            Send
          </button>
        )}
      </div>
    </form>
  )
}

/** The agent's policy, changed on the spot, and the tools an Always answer allowed. */
function Policy({ agent, onChange }: { agent: Agent; onChange: (agent: Agent) => void }) {
  const [saving, setSaving] = useState(false)
  const [problem, setProblem] = useState<string>()
  const change = async (permissions: PermissionPolicy) => {
    setSaving(true)
    setProblem(undefined)
    try {
      onChange(await call(updateAgent({ path: { agent: agent.id }, body: { permissions } })))
    } catch (error) {
      setProblem((error as Error).message)
    } finally {
      setSaving(false)
    }
  }
  return (
    <div class="policy small">
      <label>
        Permissions <PolicySelect value={agent.permissions} onChange={change} disabled={saving} />
      </label>
      {agent.allowedTools.length > 0 && <span class="muted allowed-tools">always allowed: {agent.allowedTools.join(", ")}</span>}
      {problem && <span class="error">{problem}</span>}
    </div>
  )
}

/** What the agent spent of its budget, and the budget, changed on the spot (empty: none). */
function Budget({ agent, onChange }: { agent: Agent; onChange: (agent: Agent) => void }) {
  const [value, setValue] = useState(agent.budgetUsd === undefined ? "" : String(agent.budgetUsd))
  const [saving, setSaving] = useState(false)
  const [problem, setProblem] = useState<string>()
  useEffect(() => setValue(agent.budgetUsd === undefined ? "" : String(agent.budgetUsd)), [agent.budgetUsd])
  const save = async (event: Event) => {
    event.preventDefault()
    const budgetUsd = value.trim() === "" ? null : Number(value)
    if (budgetUsd !== null && !(Number.isFinite(budgetUsd) && budgetUsd >= 0)) return setProblem("a budget is a number of dollars ≥ 0, or empty for none")
    setSaving(true)
    setProblem(undefined)
    try {
      onChange(await call(updateAgent({ path: { agent: agent.id }, body: { budgetUsd } })))
    } catch (error) {
      setProblem((error as Error).message)
    } finally {
      setSaving(false)
    }
  }
  return (
    <form class="budget small" onSubmit={save}>
      <span>
        Spent <Spend agent={agent} />
      </span>
      <label>
        Budget $
        <input name="budget" type="number" min="0" step="any" placeholder="none" value={value} onInput={(e) => setValue(e.currentTarget.value)} disabled={saving} />
      </label>
      <button type="submit" disabled={saving || value === (agent.budgetUsd === undefined ? "" : String(agent.budgetUsd))}>
        Set
      </button>
      {problem && <span class="error">{problem}</span>}
    </form>
  )
}

function Transcript({ view, agent, tab, onAgent }: { view: AgentView; agent: Agent; tab: AgentTab; onAgent: (agent: Agent) => void }) {
  void view.revision.value
  const [shown, setShown] = useState(SHOWN)
  const [raw, setRaw] = useState(false)
  const [problem, setProblem] = useState<string>()
  const end = useRef<HTMLDivElement>(null)
  const transcript = view.transcript
  const messages = transcript.messages
  const busy = transcript.status === "busy" || transcript.status === "waiting"

  // A search hit's place (?at=offset): the first message after it, shown even when it is an early one.
  const at = new URLSearchParams(query.value).get("at") ?? undefined
  const found = at !== undefined && view.caughtUp.value ? messages.find((m) => m.offset > at) : undefined
  const visible = found ? Math.max(shown, messages.length - messages.indexOf(found)) : shown

  // Follow the end while the reader is there already.
  const main = useRef<HTMLElement>(null)
  const atEnd = useRef(true)
  useEffect(() => {
    if (atEnd.current) end.current?.scrollIntoView({ block: "end" })
  })
  useEffect(() => {
    if (!found) return
    atEnd.current = false
    const element = main.current?.querySelector(`article.message[data-offset="${found.offset}"]`)
    element?.classList.add("found")
    element?.scrollIntoView({ block: "center" })
    return () => element?.classList.remove("found")
  }, [found?.id])

  const answer: Answer = (part, decision, message) =>
    call(replyPermission({ path: { agent: agent.id, id: part.id }, body: { decision, ...(message !== undefined && { message }) } }))

  // The record changes as turns go (an Always answer allows a tool; the CLI may change the policy).
  useEffect(() => {
    if (!view.caughtUp.value) return
    let gone = false
    void call(getAgent({ path: { agent: agent.id } })).then((now) => gone || onAgent(now), () => {})
    return () => void (gone = true)
  }, [transcript.status, view.caughtUp.value])
  const abort = useMemo(
    () => () => {
      void call(abortAgent({ path: { agent: agent.id } })).catch((error) => setProblem((error as Error).message))
    },
    [agent.id],
  )

  return (
    <>
      <div class="agent-head">
        <Link href="/" class="back">
          ← Agents
        </Link>
        <div class="agent-title">
          <h1>{agent.name}</h1>
          <div class="muted small">
            {agent.harness} · {agent.worktree && <Branch worktree={agent.worktree} />} <span class="directory">{agent.directory}</span>
          </div>
          <Policy agent={agent} onChange={onAgent} />
          <Budget agent={agent} onChange={onAgent} />
        </div>
        <Status status={agent.archivedAt ? "archived" : transcript.status} />
        {view.connection.value === "reconnecting" && <span class="badge warn">reconnecting…</span>}
        <nav class="tabs small">
          <Link href={`/agents/${agent.id}`} class={tab === "transcript" ? "active" : undefined}>
            Transcript
          </Link>
          <Link href={`/agents/${agent.id}/changes`} class={tab === "changes" ? "active" : undefined}>
            Changes
          </Link>
        </nav>
        <span class="small export">
          export <a href={`/v1/agents/${agent.id}/export?format=md`} download={`${agent.name}.md`}>Markdown</a> ·{" "}
          <a href={`/v1/agents/${agent.id}/export?format=html`} download={`${agent.name}.html`}>HTML</a>
        </span>
        {tab === "transcript" && (
          <label class="toggle small">
            <input type="checkbox" checked={raw} onChange={(e) => setRaw(e.currentTarget.checked)} /> raw events
          </label>
        )}
      </div>
      <main
        class="transcript"
        ref={main}
        onScroll={(event) => {
          const el = event.currentTarget
          atEnd.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40
        }}
      >
        {view.connection.value === "missing" && <div class="card error">This agent's stream is gone.</div>}
        {tab === "changes" ? (
          <Changes agent={agent} status={transcript.status} />
        ) : raw ? (
          <RawEvents view={view} />
        ) : (
          <>
            {messages.length > visible && (
              <button type="button" class="link" onClick={() => setShown(visible + SHOWN)}>
                Show {Math.min(SHOWN, messages.length - visible)} earlier messages
              </button>
            )}
            <Messages messages={messages.length > visible ? messages.slice(-visible) : messages} />
            {!view.caughtUp.value && <div class="muted">loading…</div>}
            {transcript.status === "error" && transcript.error && <div class="card error">{transcript.error}</div>}
          </>
        )}
        <div ref={end} />
      </main>
      {tab === "transcript" && <Todos todos={transcript.todos} />}
      {transcript.pending.length > 0 && (
        <div class="pending">
          {transcript.pending.map((part) => (
            <Permission key={part.id} part={part} answer={answer} />
          ))}
        </div>
      )}
      {problem && <div class="error small pad">{problem}</div>}
      {agent.archivedAt ? (
        <div class="composer archived-bar">
          <span class="muted">Archived {when(agent.archivedAt)}: it runs nowhere; its transcript stays searchable.</span>
          <ArchiveActions agent={agent} onRestored={onAgent} onPurged={() => navigate("/")} />
        </div>
      ) : (
        <Composer agent={agent} busy={busy} onAbort={abort} />
      )}
    </>
  )
}

export function AgentPage({ id, tab }: { id: string; tab: AgentTab }) {
  const [agent, setAgent] = useState<Agent>()
  const [problem, setProblem] = useState<string>()
  const [view, setView] = useState<AgentView>()

  useEffect(() => {
    let opened: AgentView | undefined
    let gone = false
    void call(getAgent({ path: { agent: id } })).then(
      (found) => {
        if (gone) return
        setAgent(found)
        opened = new AgentView(found.id, found.name, found.stream, found.harness)
        opened.start()
        setView(opened)
        document.title = `${found.name} · iterate`
      },
      (error) => setProblem((error as Error).message),
    )
    return () => {
      gone = true
      opened?.stop()
      document.title = "iterate"
    }
  }, [id])

  if (problem)
    return (
      <main class="page">
        <Link href="/">← Agents</Link>
        <div class="card error">{problem}</div>
      </main>
    )
  if (!agent || !view) return <main class="page muted">loading…</main>
  return (
    <div class="agent-page">
      <Transcript view={view} agent={agent} tab={tab} onAgent={setAgent} />
    </div>
  )
}
