// Batches (`iterate batch`): the list, and one batch's tasks with their progress, kept live by
// following the batch's stream (src/protocol/batch-events.ts); each task links to its agent's page
// and to what it changed. A batch that has not ended can be cancelled, after a question.
import { useEffect, useState } from "preact/hooks"
import { type Batch, type BatchTask, elapsed, foldBatch } from "../protocol/batch-events.ts"
import { cancelBatch, listBatches } from "../sdk/sdk.gen.ts"
import { call } from "./api.ts"
import { follow } from "./live.ts"
import { Link, when } from "./ui.tsx"

// How often the list is read again while a batch in it runs.
const LIST_EVERY_MS = 2000

/** Re-renders every second while `running`, for elapsed times. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    if (!running) return
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [running])
  return now
}

function Counts({ batch }: { batch: Batch }) {
  const { counts } = batch
  const parts = [
    counts.done && `${counts.done} done`,
    counts.failed && `${counts.failed} failed`,
    counts.running && `${counts.running} running`,
    counts.queued && `${counts.queued} queued`,
    counts.skipped && `${counts.skipped} skipped`,
    counts.cancelled && `${counts.cancelled} cancelled`,
  ].filter(Boolean)
  return (
    <span class="batch-counts" data-done={counts.done} data-failed={counts.failed}>
      {counts.total} tasks: {parts.join(", ")}
    </span>
  )
}

const batchStatus = (batch: Batch) => (batch.cancelledAt ? "cancelled" : batch.endedAt ? (batch.counts.failed ? "error" : "idle") : "busy")

/** Cancel, after a question: what has not ended is cancelled; the page shows it from the batch's stream. */
function CancelBatch({ batch }: { batch: Batch }) {
  const [asking, setAsking] = useState(false)
  const [cancelling, setCancelling] = useState(false)
  const [problem, setProblem] = useState<string>()
  const cancel = async () => {
    setCancelling(true)
    setProblem(undefined)
    try {
      await call(cancelBatch({ path: { batch: batch.id } }))
      setAsking(false)
    } catch (error) {
      setProblem((error as Error).message)
    } finally {
      setCancelling(false)
    }
  }
  const { queued, running } = batch.counts
  return (
    <div class="cancel-batch">
      {asking ? (
        <div class="card confirm-cancel">
          <div>
            Cancel batch <strong>{batch.id}</strong>? {queued} queued task{queued === 1 ? "" : "s"} will not start; the turn{running === 1 ? "" : "s"} of the {running} at work{" "}
            {running === 1 ? "is" : "are"} aborted. Their agents and worktrees stay, to review, merge or remove.
          </div>
          <div class="actions">
            <button type="button" class="danger" disabled={cancelling} onClick={cancel}>
              Cancel batch
            </button>
            <button type="button" disabled={cancelling} onClick={() => setAsking(false)}>
              Keep it running
            </button>
          </div>
        </div>
      ) : (
        <button type="button" class="danger" onClick={() => (setAsking(true), setProblem(undefined))}>
          Cancel
        </button>
      )}
      {problem && <div class="card error cancel-refused">{problem}</div>}
    </div>
  )
}

export function BatchesPage() {
  const [batches, setBatches] = useState<Batch[]>()
  const [problem, setProblem] = useState<string>()
  const running = batches?.some((b) => !b.endedAt) ?? true

  useEffect(() => {
    let gone = false
    const read = () =>
      call(listBatches()).then(
        (found) => gone || (setBatches(found.batches as Batch[]), setProblem(undefined)),
        (error) => gone || setProblem((error as Error).message),
      )
    void read()
    const timer = running ? setInterval(read, LIST_EVERY_MS) : undefined
    return () => {
      gone = true
      clearInterval(timer)
    }
  }, [running])

  return (
    <main class="page">
      <div class="page-head">
        <h1>Batches</h1>
      </div>
      {problem && <div class="card error">{problem}</div>}
      {batches?.length === 0 && (
        <p class="muted">
          No batches yet. Run one with <code>iterate batch tasks.jsonl</code>: one agent per task, each in its own worktree.
        </p>
      )}
      <ul class="batches">
        {batches?.map((batch) => (
          <li key={batch.id} class="batch-row" data-batch={batch.id} data-ended={batch.endedAt ? "true" : "false"}>
            <Link href={`/batches/${batch.id}`}>
              <div class="row-main">
                <span class="agent-name">
                  {batch.id}
                  {batch.source && <span class="muted"> · {batch.source}</span>}
                </span>
                <span class="status" data-status={batchStatus(batch)}>
                  {batch.cancelledAt ? "cancelled" : batch.endedAt ? "ended" : "running"}
                </span>
              </div>
              <div class="muted small row-meta">
                <Counts batch={batch} />
                <span class="directory">{batch.directory}</span>
                <span>{when(batch.createdAt)}</span>
              </div>
            </Link>
          </li>
        ))}
      </ul>
    </main>
  )
}

const STATE_STATUS: Record<BatchTask["state"], string> = {
  queued: "queued",
  starting: "busy",
  running: "busy",
  waiting: "waiting",
  done: "idle",
  failed: "error",
  skipped: "skipped",
  cancelled: "cancelled",
}

function TaskRow({ task, now }: { task: BatchTask; now: number }) {
  const agent = task.agent
  const counted = task.files !== undefined
  return (
    <tr class="batch-task" data-task={task.name} data-state={task.state}>
      <td>
        <div class="task-name">{task.name}</div>
        <div class="muted small task-prompt" title={task.prompt}>
          {task.prompt}
        </div>
        {task.error && <div class="error small">{task.error}</div>}
        {task.earlier && (
          <div class="muted small">
            ran in batch <Link href={`/batches/${task.earlier.batch}`}>{task.earlier.batch}</Link> ({task.earlier.state})
          </div>
        )}
      </td>
      <td>{task.harness}</td>
      <td>
        <span class="status" data-status={STATE_STATUS[task.state]}>
          {task.state === "waiting" ? "waiting for permission" : task.state}
        </span>
      </td>
      <td class="num">{task.startedAt ? elapsed(task.startedAt, task.endedAt, now) : ""}</td>
      <td class="num">{counted ? task.files : ""}</td>
      <td class="num changes-summary">
        {counted && (
          <>
            <span class="add">+{task.additions}</span> <span class="del">−{task.deletions}</span>
          </>
        )}
      </td>
      <td class="task-links">
        {agent && (
          <>
            <Link href={`/agents/${agent.id}`}>{agent.name}</Link> · <Link href={`/agents/${agent.id}/changes`}>changes</Link>
          </>
        )}
      </td>
    </tr>
  )
}

export function BatchPage({ id }: { id: string }) {
  const [batch, setBatch] = useState<Batch>()
  const [problem, setProblem] = useState<string>()
  const now = useNow(batch !== undefined && !batch.endedAt)

  useEffect(() => {
    const abort = new AbortController()
    let folded: Batch | undefined
    void follow(`batches/${id}`, {
      offset: "-1",
      signal: abort.signal,
      onBatch: ({ data }) => {
        for (const event of data ? (JSON.parse(data) as Array<{ type: string; payload?: unknown }>) : []) folded = foldBatch(folded, event)
        if (folded) setBatch(folded)
      },
      onState: (state) => state === "missing" && setProblem(`no batch ${id}`),
    })
    document.title = `batch ${id} · iterate`
    return () => {
      abort.abort()
      document.title = "iterate"
    }
  }, [id])

  if (problem)
    return (
      <main class="page">
        <Link href="/batches">← Batches</Link>
        <div class="card error">{problem}</div>
      </main>
    )
  if (!batch) return <main class="page muted">loading…</main>
  return (
    <main class="page batch-page" data-batch={batch.id} data-ended={batch.endedAt ? "true" : "false"}>
      <Link href="/batches" class="back">
        ← Batches
      </Link>
      <div class="page-head">
        <h1>
          Batch {batch.id}
          {batch.source && <span class="muted"> · {batch.source}</span>}
        </h1>
        <span class="status" data-status={batchStatus(batch)}>
          {batch.endedAt
            ? `${batch.cancelledAt ? "cancelled" : "ended"} after ${elapsed(batch.createdAt, batch.endedAt, now)}`
            : `running for ${elapsed(batch.createdAt, undefined, now)}`}
        </span>
      </div>
      {!batch.endedAt && <CancelBatch batch={batch} />}
      <div class="muted small batch-meta">
        <Counts batch={batch} /> · at most {batch.parallel} at once · {batch.worktree ? "a worktree each" : "no worktrees"} · permissions {batch.permissions} ·{" "}
        <span class="directory">{batch.directory}</span>
      </div>
      <div class="table-wrap">
        <table class="tasks">
          <thead>
            <tr>
              <th>task</th>
              <th>harness</th>
              <th>state</th>
              <th class="num">elapsed</th>
              <th class="num">files</th>
              <th class="num">+/−</th>
              <th>agent</th>
            </tr>
          </thead>
          <tbody>
            {batch.tasks?.map((task) => (
              <TaskRow key={task.index} task={task} now={now} />
            ))}
          </tbody>
        </table>
      </div>
    </main>
  )
}
