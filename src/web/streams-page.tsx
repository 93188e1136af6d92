// Streams: the list, and one stream read raw and live from its start.
import { useEffect, useState } from "preact/hooks"
import { listStreams } from "../sdk/sdk.gen.ts"
import type { StreamInfo } from "../sdk/types.gen.ts"
import { call } from "./api.ts"
import { follow } from "./live.ts"
import { Link } from "./ui.tsx"
import { streamHref } from "./router.ts"

const SHOWN = 1000

export function StreamsPage() {
  const [streams, setStreams] = useState<StreamInfo[]>()
  const [problem, setProblem] = useState<string>()
  useEffect(() => {
    void call(listStreams()).then((r) => setStreams(r.streams), (error) => setProblem((error as Error).message))
  }, [])
  return (
    <main class="page">
      <div class="page-head">
        <h1>Streams</h1>
      </div>
      {problem && <div class="card error">{problem}</div>}
      {streams?.length === 0 && <p class="muted">No streams yet.</p>}
      <ul class="streams">
        {streams?.map((s) => (
          <li key={s.name} data-stream={s.name}>
            <Link href={streamHref(s.name)}>
              <span class="agent-name">{s.name}</span>
              <span class="muted small">
                {s.contentType} · {s.messages} messages{s.closed ? " · closed" : ""}
              </span>
            </Link>
          </li>
        ))}
      </ul>
    </main>
  )
}

const decodeBase64 = (data: string) => new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)))

export function StreamPage({ name }: { name: string }) {
  const [lines, setLines] = useState<string[]>([])
  const [state, setState] = useState("connecting")
  useEffect(() => {
    const abort = new AbortController()
    setLines([])
    void follow(name, {
      offset: "-1",
      signal: abort.signal,
      onState: setState,
      onBatch: ({ data, base64 }) => {
        if (!data) return
        const text = base64 ? decodeBase64(data) : data
        let added: string[]
        try {
          const parsed = JSON.parse(text) as unknown
          added = Array.isArray(parsed) ? parsed.map((m) => JSON.stringify(m)) : [text]
        } catch {
          added = text.split("\n").filter((line) => line !== "")
        }
        setLines((before) => [...before, ...added].slice(-SHOWN))
      },
    })
    return () => abort.abort()
  }, [name])
  return (
    <main class="page">
      <div class="page-head">
        <Link href="/streams">← Streams</Link>
        <h1 class="stream-name">{name}</h1>
        <span class="badge">{state}</span>
      </div>
      {state === "missing" && <div class="card error">No stream named {name}.</div>}
      <ol class="raw">
        {lines.map((line, i) => (
          <li key={i}>
            <code>{line}</code>
          </li>
        ))}
      </ol>
    </main>
  )
}
