// scratch: fill a SQLite store with 1M events and index it, kept in /tmp/abench
import { mkdirSync } from "node:fs"
import { SqliteStreamStore } from "./src/streams/store.ts"
import { SqliteAgentStore } from "./src/agents/sqlite-store.ts"
import { AgentStreams, agentStream } from "./src/agents/stream.ts"
import { ArchiveIndexer } from "./src/agents/archive/indexer.ts"
import { turnEvents } from "./turn-gen.ts"
mkdirSync("/tmp/abench", { recursive: true })
const streams = new SqliteStreamStore("/tmp/abench/streams.db")
const agents = new SqliteAgentStore("/tmp/abench/agents.db")
const s = new AgentStreams(streams)
const ids = Array.from({ length: 100 }, (_, i) => `a${i}`)
for (const id of ids) { await streams.create(agentStream(id), { contentType: "application/json" }); await agents.insert({ id, name: id, harness: "opencode", directory: "/", model: undefined, stream: agentStream(id), createdAt: new Date().toISOString(), permissions: "ask" }); await agents.archive(id, "x") }
let next = 0
await Promise.all(Array.from({ length: 16 }, async () => { while (next < ids.length) { const id = ids[next++]!; for (let c = 0, t = 0; c < 10000; t++) { const ev = turnEvents(`${id}_${t}`); c += ev.length; await s.append(agentStream(id), ev) } } }))
const indexer = new ArchiveIndexer({ index: agents.index, streams: s, agent: (id) => agents.find(id), agents: () => agents.list() })
indexer.start(); await indexer.caughtUp(); await indexer.stop()
console.log("done")
