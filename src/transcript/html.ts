// A transcript as one self-contained HTML file (`iterate export --format html`): the styles inline,
// no script, nothing fetched (its Content-Security-Policy allows nothing but its own styles). The
// same parts as the Markdown document; tool input and output fold away, diffs are coloured.
import { agentFacts, type DocumentAgent, editOf, permissionOutcome, shorten, timeOf, readingOrder, toolHeading, toolInput } from "./describe.ts"
import type { Message, Part, Transcript } from "./types.ts"

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)

const STYLE = `
:root { color-scheme: light dark; --muted: #6b7280; --line: #d1d5db; --add: #16a34a; --del: #dc2626; --card: rgba(127, 127, 127, 0.08) }
body { font: 15px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem }
h1 { margin-bottom: 0.25rem }
.facts { color: var(--muted); margin: 0 0 2rem; padding: 0; list-style: none }
.message { margin: 1.5rem 0; padding-top: 0.5rem; border-top: 1px solid var(--line) }
.meta { color: var(--muted); font-size: 0.85rem; margin-bottom: 0.5rem }
.user .text { font-weight: 600 }
.text { white-space: pre-wrap; overflow-wrap: anywhere }
.thinking { color: var(--muted); font-style: italic; white-space: pre-wrap }
.card { background: var(--card); border-radius: 6px; padding: 0.5rem 0.75rem; margin: 0.5rem 0 }
.card summary { cursor: pointer; font-family: ui-monospace, monospace }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.4 ui-monospace, monospace; margin: 0.5rem 0 }
.diff .add { color: var(--add) } .diff .del { color: var(--del) } .diff .hunk { color: var(--muted) }
.error { color: var(--del) }
`

const pre = (text: string) => `<pre>${escapeHtml(text)}</pre>`

function diffLines(diff: string): string {
  return diff
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => {
      const kind = line.startsWith("+") && !line.startsWith("+++") ? "add" : line.startsWith("-") && !line.startsWith("---") ? "del" : line.startsWith("@@") ? "hunk" : ""
      return kind ? `<span class="${kind}">${escapeHtml(line)}</span>` : escapeHtml(line)
    })
    .join("\n")
}

function part(message: Message, p: Part): string {
  switch (p.kind) {
    case "text":
      return `<div class="text">${escapeHtml(p.text.trim())}</div>`
    case "reasoning":
      return `<div class="thinking">${escapeHtml(p.text.trim())}</div>`
    case "tool": {
      const input = editOf(message, p) ? undefined : toolInput(p.input)
      const body = [input && pre(shorten(input)), p.output && pre(shorten(p.output)), p.error && `<pre class="error">${escapeHtml(shorten(p.error))}</pre>`]
      return `<details class="card tool"><summary>${escapeHtml(toolHeading(p))}</summary>${body.filter(Boolean).join("")}</details>`
    }
    case "file-edit":
      return `<details class="card diff" open><summary>${escapeHtml(p.path)} <span class="add">+${p.additions}</span> <span class="del">−${p.deletions}</span></summary><pre>${diffLines(p.diff)}</pre></details>`
    case "permission":
      return `<div class="card permission">Permission (${escapeHtml(p.tool)}): ${escapeHtml(p.summary)} — ${escapeHtml(permissionOutcome(p))}</div>`
    case "error":
      return `<div class="card error">${escapeHtml(p.message)}</div>`
    case "activity": {
      const detail = p.detail ? `: ${p.detail}` : ""
      return `<details class="card activity"${p.state === "done" ? "" : " open"}><summary>${escapeHtml(`⚙ ${p.title} — ${p.state}${detail}`)}</summary>${p.output ? pre(shorten(p.output)) : ""}</details>`
    }
  }
}

function meta(message: Message, transcript: Transcript): string {
  const who = message.role === "user" ? "Prompt" : [transcript.harness, message.model].filter(Boolean).join(" · ")
  const when = message.createdAt ? ` · ${timeOf(message.createdAt)}` : ""
  return `<div class="meta">${escapeHtml(who + when)}${message.aborted ? " · aborted" : ""}</div>`
}

/** The whole document. */
export function transcriptHtml(agent: DocumentAgent, transcript: Transcript): string {
  const messages = transcript.messages
    .filter((m) => m.parts.length > 0 || m.aborted)
    .map((m) => `<article class="message ${m.role}" data-offset="${escapeHtml(m.offset)}">${meta(m, transcript)}${readingOrder(m.parts).map((p) => part(m, p)).join("\n")}</article>`)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(agent.name)} · iterate</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(agent.name)}</h1>
<ul class="facts">${agentFacts(agent, transcript)
    .map((line) => `<li>${escapeHtml(line)}</li>`)
    .join("")}</ul>
<main>
${messages.join("\n")}
</main>
</body>
</html>
`
}
