// An agent's change, as `iterate diff` shows it: each file with its +/− and its diff; for a
// worktree agent, a Merge button that asks first and shows why a merge was refused. Read again
// whenever a turn ends, and on Refresh.
import { useEffect, useState } from "preact/hooks"
import { diffAgent, mergeAgent } from "../sdk/sdk.gen.ts"
import type { Agent, AgentDiff, DiffFile } from "../sdk/types.gen.ts"
import { call } from "./api.ts"
import { DiffLines } from "./transcript.tsx"

// Past this many files, each file's diff starts folded.
const OPEN_UP_TO = 12

function FileDiff({ file, open }: { file: DiffFile; open: boolean }) {
  return (
    <details class="card diff file" data-path={file.path} open={open}>
      <summary>
        <span class="file-path">{file.oldPath ? `${file.oldPath} → ${file.path}` : file.path}</span> <span class="badge">{file.status}</span>{" "}
        <span class="add">+{file.additions}</span> <span class="del">−{file.deletions}</span>
      </summary>
      {file.binary ? <div class="muted">a binary file</div> : (file.hunks ?? []).map((hunk) => <DiffLines lines={[hunk.header, ...hunk.lines]} />)}
    </details>
  )
}

/** Merge, after a question; a refusal (not on the base branch, uncommitted changes, a conflict) shows its reason. */
function Merge({ agent, onMerged }: { agent: Agent; onMerged: () => void }) {
  const worktree = agent.worktree!
  const [asking, setAsking] = useState(false)
  const [squash, setSquash] = useState(false)
  const [merging, setMerging] = useState(false)
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string }>()
  const merge = async () => {
    setMerging(true)
    setOutcome(undefined)
    try {
      const merged = await call(mergeAgent({ path: { agent: agent.id }, body: squash ? { squash: true } : {} }))
      const how = merged.squash ? "squashed" : merged.fastForward ? "fast-forward" : "merge commit"
      setOutcome({
        ok: true,
        text: merged.files === 0 ? `Nothing to merge: ${merged.base} has all of ${merged.branch} already.` : `Merged ${merged.files} file${merged.files === 1 ? "" : "s"} into ${merged.base} (${how}).`,
      })
      setAsking(false)
      onMerged()
    } catch (error) {
      setOutcome({ ok: false, text: (error as Error).message })
    } finally {
      setMerging(false)
    }
  }
  return (
    <div class="merge">
      {asking ? (
        <div class="card confirm-merge">
          <div>
            Merge <strong>{worktree.branch}</strong> into <strong>{worktree.base}</strong> in <span class="directory">{worktree.root}</span>? What the worktree holds
            uncommitted is committed first.
          </div>
          <div class="actions">
            <button type="button" class="primary" disabled={merging} onClick={merge}>
              Merge
            </button>
            <button type="button" disabled={merging} onClick={() => setAsking(false)}>
              Cancel
            </button>
            <label class="toggle small">
              <input type="checkbox" name="squash" checked={squash} onChange={(e) => setSquash(e.currentTarget.checked)} /> as one commit (squash)
            </label>
          </div>
        </div>
      ) : (
        <button type="button" class="primary" onClick={() => (setAsking(true), setOutcome(undefined))}>
          Merge into {worktree.base}
        </button>
      )}
      {outcome && <div class={outcome.ok ? "card merged" : "card error merge-refused"}>{outcome.text}</div>}
    </div>
  )
}

export function Changes({ agent, status }: { agent: Agent; status: string }) {
  const [diff, setDiff] = useState<AgentDiff>()
  const [problem, setProblem] = useState<string>()
  const [loading, setLoading] = useState(true)
  const [asked, setAsked] = useState(0)
  const running = status === "busy" || status === "waiting"

  useEffect(() => {
    // Mid-turn the files change under the reader; what a turn did is read once it is over.
    if (running && diff) return
    let gone = false
    setLoading(true)
    call(diffAgent({ path: { agent: agent.id } })).then(
      (read) => gone || (setDiff(read), setProblem(undefined), setLoading(false)),
      (error) => gone || (setProblem((error as Error).message), setLoading(false)),
    )
    return () => void (gone = true)
  }, [agent.id, running, asked])

  return (
    <div class="changes">
      <div class="changes-head">
        {diff && (
          <span class="changes-summary">
            {diff.files.length} file{diff.files.length === 1 ? "" : "s"} changed <span class="add">+{diff.additions}</span> <span class="del">−{diff.deletions}</span>{" "}
            <span class="muted small">since {diff.since}</span>
          </span>
        )}
        <span class="spacer" />
        {loading && <span class="muted small">reading…</span>}
        <button type="button" class="small" onClick={() => setAsked(asked + 1)}>
          Refresh
        </button>
      </div>
      {agent.worktree && <Merge agent={agent} onMerged={() => setAsked(asked + 1)} />}
      {problem && <div class="card error">{problem}</div>}
      {diff && diff.files.length === 0 && <p class="muted no-changes">No changes since {diff.since}.</p>}
      {diff?.files.map((file) => (
        <FileDiff key={file.path} file={file} open={diff.files.length <= OPEN_UP_TO} />
      ))}
    </div>
  )
}
