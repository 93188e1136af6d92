// Search over every agent's transcript (archived ones too): the box in the header leads here, each
// hit to its place in the agent's transcript (/agents/<id>?at=<offset>).
import { useEffect, useState } from "preact/hooks"
import { searchTranscripts } from "../sdk/sdk.gen.ts"
import type { SearchHit } from "../sdk/types.gen.ts"
import { call } from "./api.ts"
import { navigate, query } from "./router.ts"
import { Link, when } from "./ui.tsx"

/** The search box of the header. */
export function SearchBox() {
  const current = new URLSearchParams(query.value).get("q") ?? ""
  const [text, setText] = useState(current)
  useEffect(() => setText(current), [current])
  return (
    <form
      class="search-box"
      role="search"
      onSubmit={(event) => {
        event.preventDefault()
        if (text.trim()) navigate(`/search?q=${encodeURIComponent(text.trim())}`)
      }}
    >
      <input type="search" name="q" placeholder="Search transcripts" aria-label="Search transcripts" value={text} onInput={(e) => setText(e.currentTarget.value)} />
    </form>
  )
}

function Snippet({ hit }: { hit: SearchHit }) {
  const pieces = []
  let at = 0
  for (const [start, end] of hit.highlights) {
    pieces.push(hit.snippet.slice(at, start), <mark>{hit.snippet.slice(start, end)}</mark>)
    at = end
  }
  pieces.push(hit.snippet.slice(at))
  return <div class="snippet">{pieces}</div>
}

export function SearchPage() {
  const q = new URLSearchParams(query.value).get("q") ?? ""
  const [hits, setHits] = useState<SearchHit[]>()
  const [problem, setProblem] = useState<string>()

  useEffect(() => {
    let gone = false
    setHits(undefined)
    setProblem(undefined)
    document.title = `${q} · iterate`
    void call(searchTranscripts({ query: { q, limit: 50 } })).then(
      (result) => gone || setHits(result.hits),
      (error) => gone || setProblem((error as Error).message),
    )
    return () => void (gone = true)
  }, [q])

  return (
    <main class="page">
      <div class="page-head">
        <h1>Search: {q}</h1>
      </div>
      {problem && <div class="card error">{problem}</div>}
      {!hits && !problem && <p class="muted">searching…</p>}
      {hits?.length === 0 && <p class="muted">No matches.</p>}
      <ul class="hits">
        {hits?.map((hit) => (
          <li class="hit" data-agent={hit.agent} data-offset={hit.offset}>
            <Link href={`/agents/${hit.agent}?at=${hit.offset}`}>
              <div class="row-main">
                <span class="agent-name">{hit.agentName}</span>
                {hit.archived && <span class="badge">archived</span>}
                <span class="badge">{hit.kind}</span>
              </div>
              <Snippet hit={hit} />
              <div class="muted small">{when(hit.createdAt)}</div>
            </Link>
          </li>
        ))}
      </ul>
    </main>
  )
}
