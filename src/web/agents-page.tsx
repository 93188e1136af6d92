// The agents page: every agent, kept live over one connection (the agents feed), and "New agent".
import { signal } from "@preact/signals"
import { useEffect, useState } from "preact/hooks"
import { createAgent, listAgents, listDirectories, listHarnesses, promptAgent } from "../sdk/sdk.gen.ts"
import type { PermissionPolicy } from "../protocol/agent-events.ts"
import type { Agent, DirectoryListing, Harness } from "../sdk/types.gen.ts"
import { call } from "./api.ts"
import { seenKey } from "./agent-view.ts"
import { ArchiveActions } from "./archive-actions.tsx"
import { feed } from "./live.ts"
import { notifyStatus } from "./notify.ts"
import { navigate } from "./router.ts"
import { Branch, Link, PolicySelect, Spend, Status, when } from "./ui.tsx"

interface AgentEntry extends Agent {
  nextOffset: string
  lastActivity?: string
}

const agents = signal<AgentEntry[]>([])
const live = signal(false)

function useFeed() {
  useEffect(() => {
    const abort = new AbortController()
    void feed(
      abort.signal,
      (event) => {
        if (event.event === "agents") agents.value = event.agents as AgentEntry[]
        else if (event.event === "removed") agents.value = agents.value.filter((a) => a.id !== event.id)
        else {
          const agent = event.agent as AgentEntry
          const before = agents.value.find((a) => a.id === agent.id)
          notifyStatus(agent.name, before?.status, agent.status)
          agents.value = before ? agents.value.map((a) => (a.id === agent.id ? agent : a)) : [...agents.value, agent]
        }
      },
      (state) => (live.value = state),
    )
    return () => abort.abort()
  }, [])
}

function Row({ agent }: { agent: AgentEntry }) {
  const seen = localStorage.getItem(seenKey(agent.id))
  const unread = agent.nextOffset > (seen ?? "") && agent.nextOffset !== "0000000000000000"
  return (
    <li class="agent-row" data-agent={agent.id} data-status={agent.status}>
      <Link href={`/agents/${agent.id}`}>
        <div class="row-main">
          <span class="agent-name">{agent.name}</span>
          {unread && <span class="unread" title="new events since you last looked" />}
          <Status status={agent.status} />
        </div>
        <div class="muted small row-meta">
          <span>{agent.harness}</span>
          {agent.importedAt && (
            <span class="imported" title={`a session run in ${agent.harness} directly, imported ${when(agent.importedAt)}`}>
              imported
            </span>
          )}
          {agent.worktree && <Branch worktree={agent.worktree} />}
          <span class="directory">{agent.directory}</span>
          <Spend agent={agent} />
          {agent.lastActivity && <span>{when(agent.lastActivity)}</span>}
        </div>
        {agent.status === "error" && agent.error && <div class="error small">{agent.error}</div>}
      </Link>
    </li>
  )
}

function NewAgent({ onDone }: { onDone: () => void }) {
  const [directory, setDirectory] = useState("")
  const [listing, setListing] = useState<DirectoryListing>()
  const [harnesses, setHarnesses] = useState<Harness[]>([])
  const [harness, setHarness] = useState("opencode")
  const [model, setModel] = useState("")
  const [permissions, setPermissions] = useState<PermissionPolicy>("ask")
  const [prompt, setPrompt] = useState("")
  const [problem, setProblem] = useState<string>()
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    void call(listHarnesses()).then((r) => setHarnesses(r.harnesses), () => {})
    void call(listDirectories({})).then((r) => {
      setListing(r)
      if (r.roots[0]) setDirectory(r.roots[0] + "/")
    }, () => {})
  }, [])

  // Complete from the folder the typed path is in.
  useEffect(() => {
    const folder = directory.endsWith("/") ? directory : directory.slice(0, directory.lastIndexOf("/") + 1)
    if (!folder.startsWith("/") && !folder.startsWith("~")) return
    const timer = setTimeout(() => {
      void call(listDirectories({ query: { path: folder.length > 1 ? folder.replace(/\/$/, "") : folder } })).then(setListing, () => {})
    }, 120)
    return () => clearTimeout(timer)
  }, [directory.slice(0, directory.lastIndexOf("/") + 1)])

  const submit = async (event: Event) => {
    event.preventDefault()
    setBusy(true)
    setProblem(undefined)
    try {
      const agent = await call(
        createAgent({ body: { directory: directory.replace(/(.)\/$/, "$1"), harness, permissions, ...(model.trim() && { model: model.trim() }) } }),
      )
      if (prompt.trim()) await call(promptAgent({ path: { agent: agent.id }, body: { text: prompt } }))
      onDone()
      navigate(`/agents/${agent.id}`)
    } catch (error) {
      setProblem((error as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="card new-agent" onSubmit={submit}>
      <label>
        Directory
        <input
          name="directory"
          list="directories"
          value={directory}
          autocomplete="off"
          spellcheck={false}
          onInput={(e) => setDirectory(e.currentTarget.value)}
          required
        />
        <datalist id="directories">
          {listing?.directories.map((d) => (
            <option value={d.path + "/"} />
          ))}
        </datalist>
      </label>
      <div class="fields">
        <label>
          Harness
          <select name="harness" value={harness} onChange={(e) => setHarness(e.currentTarget.value)}>
            {(harnesses.length ? harnesses : [{ name: "opencode", available: true, problems: [] }]).map((h) => (
              <option value={h.name} disabled={!h.available}>
                {h.name}
                {h.version ? ` ${h.version}` : ""}
                {h.available ? "" : " (not available)"}
              </option>
            ))}
          </select>
        </label>
        <label>
          Model
          <input name="model" placeholder="provider/model (optional)" value={model} onInput={(e) => setModel(e.currentTarget.value)} />
        </label>
      </div>
      <label>
        Permissions
        <PolicySelect value={permissions} onChange={setPermissions} />
      </label>
      <label>
        First prompt
        <textarea name="prompt" rows={3} placeholder="What should it do? (optional)" value={prompt} onInput={(e) => setPrompt(e.currentTarget.value)} />
      </label>
      {problem && <div class="error">{problem}</div>}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          Create agent
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  )
}

/** The archived agents (agents rm), each with Restore and Delete for good; read again when the live list changes. */
function Archived() {
  const [list, setList] = useState<Agent[]>()
  const [problem, setProblem] = useState<string>()
  const load = () =>
    call(listAgents({ query: { all: "true" } })).then(
      (result) => setList(result.agents.filter((a) => a.archivedAt)),
      (error) => setProblem((error as Error).message),
    )
  const live = agents.value.map((a) => a.id).join(" ")
  useEffect(() => void load(), [live])
  return (
    <section class="archived-list">
      <h2 class="small muted">Archived</h2>
      {problem && <div class="error">{problem}</div>}
      {list?.length === 0 && <p class="muted small">No archived agents.</p>}
      <ul class="agents">
        {list?.map((agent) => (
          <li class="agent-row" data-agent={agent.id} data-status="archived">
            <Link href={`/agents/${agent.id}`}>
              <span class="agent-name">{agent.name}</span>
              <span class="muted small">
                {agent.harness} · <span class="directory">{agent.directory}</span> · archived {when(agent.archivedAt!)}
              </span>
            </Link>
            <ArchiveActions agent={agent} onRestored={() => void load()} onPurged={() => void load()} />
          </li>
        ))}
      </ul>
    </section>
  )
}

export function AgentsPage() {
  useFeed()
  const [creating, setCreating] = useState(false)
  const [archived, setArchived] = useState(false)
  return (
    <main class="page">
      <div class="page-head">
        <h1>Agents</h1>
        {!live.value && <span class="muted small">connecting…</span>}
        <label class="toggle small">
          <input type="checkbox" name="archived" checked={archived} onChange={(e) => setArchived(e.currentTarget.checked)} /> Show archived
        </label>
        <button type="button" class="primary" onClick={() => setCreating(!creating)}>
          New agent
        </button>
      </div>
      {creating && <NewAgent onDone={() => setCreating(false)} />}
      {agents.value.length === 0 && live.value && !creating && <p class="muted">No agents yet. Create one, or run `iterate run` in a project.</p>}
      <ul class="agents">
        {agents.value.map((agent) => (
          <Row key={agent.id} agent={agent} />
        ))}
      </ul>
      {archived && <Archived />}
    </main>
  )
}
