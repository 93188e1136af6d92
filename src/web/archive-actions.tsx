// Restore and Delete for good, for an archived agent: on the agents page's archived list and on
// the archived agent's own page. Deleting asks first.
import { useState } from "preact/hooks"
import { deleteAgent, restoreAgent } from "../sdk/sdk.gen.ts"
import type { Agent } from "../sdk/types.gen.ts"
import { call } from "./api.ts"

export function ArchiveActions({ agent, onRestored, onPurged }: { agent: Agent; onRestored: (agent: Agent) => void; onPurged: () => void }) {
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<string>()
  const act = async (work: () => Promise<void>) => {
    setBusy(true)
    setProblem(undefined)
    try {
      await work()
    } catch (error) {
      setProblem((error as Error).message)
    } finally {
      setBusy(false)
    }
  }
  const restore = () => act(async () => onRestored(await call(restoreAgent({ path: { agent: agent.id } }))))
  const purge = () => {
    if (!confirm(`Delete ${agent.name}, its stream and its transcript for good?`)) return
    void act(async () => {
      await call(deleteAgent({ path: { agent: agent.id }, query: { purge: "true" } }))
      onPurged()
    })
  }
  return (
    <span class="actions archive-actions">
      <button type="button" class="primary small" disabled={busy} onClick={restore}>
        Restore
      </button>
      <button type="button" class="danger small" disabled={busy} onClick={purge}>
        Delete for good
      </button>
      {problem && <span class="error small">{problem}</span>}
    </span>
  )
}
