import { Database } from "bun:sqlite"
import { VOCAB } from "./turn-gen-vocab.ts"
const db = new Database("/tmp/abench/agents.db", { readonly: true })
const t = (label: string, sql: string, p: string[]) => { const q = db.query(sql); q.all(...p); const times = []; for (let i = 0; i < 5; i++) { const a = performance.now(); const r = q.all(...p); times.push(performance.now() - a) } ; times.sort((a,b)=>a-b); console.log(label, times[2].toFixed(1), "ms") }
console.log(db.query("select count(*) n from archive_parts").get())
for (const w of [VOCAB[0], VOCAB[5], VOCAB[300]]) {
  const m = `"${w}"`
  console.log(w, db.query("select count(*) n from archive_text where archive_text match ?").get(m))
  t(" full bm25", `SELECT p.id FROM archive_text JOIN archive_parts p ON p.id = archive_text.rowid JOIN agents a ON a.id = p.agent_id WHERE archive_text MATCH ? ORDER BY bm25(archive_text), p.created_at DESC, p.id DESC LIMIT 60`, [m])
  t(" fts rank only", `SELECT rowid FROM archive_text WHERE archive_text MATCH ? ORDER BY rank LIMIT 60`, [m])
  t(" newest 2000 then bm25", `SELECT id FROM (SELECT archive_text.rowid AS id, bm25(archive_text) AS score FROM archive_text WHERE archive_text MATCH ? ORDER BY archive_text.rowid DESC LIMIT 2000) ORDER BY score LIMIT 60`, [m])
  t(" newest 2000 join", `SELECT * FROM (SELECT p.id, p.body, bm25(archive_text) AS score FROM archive_text JOIN archive_parts p ON p.id = archive_text.rowid JOIN agents a ON a.id = p.agent_id WHERE archive_text MATCH ? ORDER BY archive_text.rowid DESC LIMIT 2000) ORDER BY score LIMIT 60`, [m])
}
console.log("--- two-stage")
for (const w of [VOCAB[0], VOCAB[5], VOCAB[300]]) {
  const m = `"${w}"`
  t(w+" two-stage", `SELECT p.agent_id, a.name, p.body FROM (SELECT archive_text.rowid AS id, bm25(archive_text) AS score FROM archive_text WHERE archive_text MATCH ? ORDER BY archive_text.rowid DESC LIMIT 2000) m JOIN archive_parts p ON p.id = m.id JOIN agents a ON a.id = p.agent_id ORDER BY m.score, p.created_at DESC, p.id DESC LIMIT 60`, [m])
  t(w+" two-stage agent filter", `SELECT p.agent_id, a.name, p.body FROM (SELECT archive_text.rowid AS id, bm25(archive_text) AS score FROM archive_text JOIN archive_parts p ON p.id = archive_text.rowid WHERE archive_text MATCH ? AND p.agent_id = ? ORDER BY archive_text.rowid DESC LIMIT 2000) m JOIN archive_parts p ON p.id = m.id JOIN agents a ON a.id = p.agent_id ORDER BY m.score, p.created_at DESC, p.id DESC LIMIT 60`, [m, "a3"])
  t(w+" prefix two-stage", `SELECT p.agent_id, a.name, p.body FROM (SELECT archive_text.rowid AS id, bm25(archive_text) AS score FROM archive_text WHERE archive_text MATCH ? ORDER BY archive_text.rowid DESC LIMIT 2000) m JOIN archive_parts p ON p.id = m.id JOIN agents a ON a.id = p.agent_id ORDER BY m.score, p.created_at DESC, p.id DESC LIMIT 60`, [`"${w.slice(0,3)}" *`])
  t(w+" prefix full", `SELECT p.id FROM archive_text JOIN archive_parts p ON p.id = archive_text.rowid WHERE archive_text MATCH ? ORDER BY bm25(archive_text) LIMIT 60`, [`"${w.slice(0,3)}" *`])
}
