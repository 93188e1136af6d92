// scratch: where the indexer's time goes while appends run
import { SqliteStreamStore } from "./src/streams/store.ts"
import { SqliteAgentStore } from "./src/agents/sqlite-store.ts"
import { AgentStreams, agentStream } from "./src/agents/stream.ts"
import { ArchiveIndexer } from "./src/agents/archive/indexer.ts"
import { mkdtempSync } from "node:fs"
import { join } from "node:path"
import { tmpdir } from "node:os"
const dir = mkdtempSync(join(tmpdir(), "prof-"))
const streams = new SqliteStreamStore(join(dir, "s.db"))
const agents = new SqliteAgentStore(join(dir, "a.db"))
const times: Record<string, number> = {}
const wrap = (obj: any, name: string, label: string) => { const f = obj[name].bind(obj); obj[name] = async (...a: any[]) => { const t = performance.now(); try { return await f(...a) } finally { times[label] = (times[label] ?? 0) + performance.now() - t } } }
const s = new AgentStreams(streams)
wrap(agents.index, "commit", "commit")
const s2 = new AgentStreams(streams); wrap(s2, "read", "read")
import * as docs from "./src/agents/archive/documents.ts"
const { turnEvents } = await import("./turn-gen.ts")
const ids = Array.from({ length: 16 }, (_, i) => `a${i}`)
for (const id of ids) { await streams.create(agentStream(id), { contentType: "application/json" }); await agents.insert({ id, name: id, harness: "opencode", directory: "/", model: undefined, stream: agentStream(id), createdAt: new Date().toISOString(), permissions: "ask" }); await agents.archive(id, "x") }
const indexer = new ArchiveIndexer({ index: agents.index, streams: s2, agent: (id) => agents.find(id), agents: () => agents.list() })
if (process.argv[2] === "on") indexer.start()
const t0 = performance.now()
let n = 0
await Promise.all(ids.map(async (id) => { for (let t = 0; t < 70; t++) { const ev = turnEvents(`${id}_${t}`); n += ev.length; await s.append(agentStream(id), ev) } }))
const el = performance.now() - t0
console.log(process.argv[2], "events", n, "rate", Math.round(n / el * 1000), times)
const t1 = performance.now(); await indexer.caughtUp(); console.log("catchup ms", performance.now() - t1, times)
