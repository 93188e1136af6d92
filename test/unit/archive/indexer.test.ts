// The indexer over an in-process SQLite store (agents.db and streams.db in memory): recorded turns
// of each harness appended to agents' streams, searched once the indexer has caught up.
import { afterEach, beforeEach, describe, expect, test } from "vitest"
import { ArchiveIndexer } from "../../../src/agents/archive/indexer.ts"
import { parseQuery } from "../../../src/agents/archive/query.ts"
import { SqliteAgentStore } from "../../../src/agents/sqlite-store.ts"
import { AgentStreams, agentStream } from "../../../src/agents/stream.ts"
import { AGENT_EVENT } from "../../../src/protocol/agent-events.ts"
import { START_OFFSET } from "../../../src/streams/offsets.ts"
import { SqliteStreamStore } from "../../../src/streams/store.ts"
import { recordedNatives, turn } from "../../support/fixture-streams.ts"
import { waitFor } from "../../support/wait.ts"

let streams: SqliteStreamStore
let agents: SqliteAgentStore
let indexer: ArchiveIndexer
let unwatch = () => {}

/** An indexer told of every change to an agent's stream, as the daemon tells it. */
function indexerOn(): ArchiveIndexer {
  const made = new ArchiveIndexer({ index: agents.index, streams: new AgentStreams(streams), agent: (id) => agents.find(id), agents: () => agents.list(), delayMs: 0 })
  unwatch()
  unwatch = new AgentStreams(streams).watchAgents((id, change) => made.changed(id, change))
  return made
}

async function newAgent(id: string, harness: string): Promise<string> {
  await streams.create(agentStream(id), { contentType: "application/json" })
  await agents.insert({ id, name: `name-${id}`, harness, directory: "/tmp/project", model: undefined, stream: agentStream(id), createdAt: new Date().toISOString(), permissions: "ask" })
  return id
}

const append = (id: string, inputs: Parameters<AgentStreams["append"]>[1]) => new AgentStreams(streams).append(agentStream(id), inputs)
const search = (query: string, filter: { agent?: string; harness?: string; since?: string } = {}) => agents.index.search({ terms: parseQuery(query), limit: 20, ...filter })
const idle = { type: AGENT_EVENT.status, payload: { status: "idle" } }

beforeEach(() => {
  streams = new SqliteStreamStore(":memory:")
  agents = new SqliteAgentStore(":memory:")
  indexer = indexerOn()
  indexer.start()
})

afterEach(async () => {
  unwatch()
  await indexer.stop()
  await agents.close()
  await streams.close()
})

describe("the indexer", () => {
  test("finds a prompt, a reply, a thought, a tool's output and a file path, each with its agent and where its message opens", async () => {
    const claude = await newAgent("claude1", "claude")
    const pi = await newAgent("pi1", "pi")
    await append(claude, turn("claude", "greet me politely", recordedNatives("claude", "text")))
    await append(claude, turn("claude", "run the script", recordedNatives("claude", "bash")))
    await append(pi, turn("pi", "change the greeting", recordedNatives("pi", "edit")))
    await indexer.caughtUp()

    expect(await search("politely")).toEqual([expect.objectContaining({ agentId: claude, kind: "prompt", offset: START_OFFSET, text: "greet me politely" })])
    expect((await search("stub speaking")).map((h) => [h.agentId, h.kind])).toEqual([[claude, "reply"]])
    expect((await search("greeting")).map((h) => [h.agentId, h.kind]).sort()).toEqual([
      [claude, "thought"],
      [pi, "prompt"],
    ])
    expect((await search("out.txt")).map((h) => h.kind)).toEqual(["tool"])
    expect((await search("greet.txt")).map((h) => [h.agentId, h.kind]).sort()).toEqual([
      [pi, "file"],
      [pi, "tool"],
    ])
    // The second turn's messages open after the first turn.
    const [bash] = await search("hello", { agent: claude })
    expect(bash!.offset > START_OFFSET).toBe(true)
    expect(await search("greeting", { harness: "pi" })).toEqual([expect.objectContaining({ agentId: pi })])
  })

  test("a running turn: its prompt and finished tool calls are found at once, its reply only once the turn is over", async () => {
    const id = await newAgent("c", "claude")
    const events = turn("claude", "list the files", recordedNatives("claude", "bash"))
    await append(id, events.slice(0, -1))
    await indexer.caughtUp()
    expect((await search("list files")).map((h) => h.kind)).toEqual(["prompt"])
    expect((await search("out.txt")).map((h) => h.kind)).toEqual(["tool"])
    expect(await search("ran")).toEqual([])
    expect(await agents.index.progress(id)).toBe(START_OFFSET)

    await append(id, [idle])
    await indexer.caughtUp()
    expect((await search("ran")).map((h) => h.kind)).toEqual(["reply"])
    // The last turn stays open (a late event of it may come) until the next prompt.
    expect(await agents.index.progress(id)).toBe(START_OFFSET)
    await append(id, turn("claude", "next", []))
    await indexer.caughtUp()
    expect(await agents.index.progress(id)).toBe(String(events.length).padStart(16, "0"))
  })

  test("a reply that arrives after its turn's end is indexed, and replaces what was indexed of it", async () => {
    const id = await newAgent("c", "claude")
    const natives = recordedNatives("claude", "text") as Array<{ type: string }>
    const [prompt, busy] = turn("claude", "say hi", [])
    // The end first, then claude's message: what a harness sending a late event of its turn does.
    const assistant = natives.findIndex((n) => n.type === "assistant")
    await append(id, [prompt!, busy!, ...turn("claude", "", natives.slice(0, assistant)).slice(2, -1), idle])
    await indexer.caughtUp()
    const before = await search("stub speaking")
    await append(id, turn("claude", "", natives.slice(assistant)).slice(2, -1))
    await indexer.caughtUp()
    expect((await search("stub speaking")).map((h) => h.text)).toEqual(["Hello there, this is the stub speaking."])
    expect(before.length).toBeLessThanOrEqual(1)
  })

  test("keeps up with appends heard while it indexes, without being asked to catch up", async () => {
    const id = await newAgent("o", "opencode")
    for (let n = 0; n < 30; n++) {
      await append(id, turn("opencode", `numbered prompt ${n}`, []))
      await Bun.sleep(n % 3)
    }
    await waitFor("every prompt to be indexed", async () => (await agents.index.search({ terms: parseQuery("numbered prompt"), limit: 100 })).length === 30)
  })

  test("an archived agent's unfinished turn is indexed whole", async () => {
    const id = await newAgent("c", "claude")
    await append(id, turn("claude", "hi", recordedNatives("claude", "text")).slice(0, -1))
    await agents.archive(id, new Date().toISOString())
    await append(id, [{ type: AGENT_EVENT.error, payload: { message: "stopped" } }])
    await indexer.caughtUp()
    expect((await search("stub speaking")).map((h) => h.kind)).toEqual(["reply"])
  })

  test("after a restart it carries on from its progress: nothing twice, nothing missed", async () => {
    const id = await newAgent("o", "opencode")
    await append(id, turn("claude", "first turn words", []))
    await indexer.caughtUp()
    await indexer.stop()
    await append(id, turn("claude", "second turn words", []))
    indexer = indexerOn()
    indexer.start()
    await indexer.caughtUp()
    expect((await search("turn words")).map((h) => h.text).sort()).toEqual(["first turn words", "second turn words"])
  })

  test("another indexer that got there first: the commit is refused and changes nothing", async () => {
    const id = await newAgent("o", "opencode")
    await append(id, [...turn("opencode", "words", []), ...turn("opencode", "more words", [])])
    await indexer.caughtUp()
    const at = await agents.index.progress(id)
    expect(at).not.toBe(START_OFFSET)
    const document = { key: "k", kind: "reply" as const, offset: START_OFFSET, createdAt: new Date().toISOString(), text: "stale" }
    expect(await agents.index.commit(id, START_OFFSET, at, [document])).toBe(false)
    expect(await agents.index.commit("nobody", START_OFFSET, at, [document])).toBe(false)
    expect(await search("stale")).toEqual([])
  })

  test("a purged agent's text leaves the index with it", async () => {
    const a = await newAgent("a", "opencode")
    const b = await newAgent("b", "opencode")
    await append(a, turn("opencode", "shared word alpha", []))
    await append(b, turn("opencode", "shared word beta", []))
    await indexer.caughtUp()
    await streams.delete(agentStream(a))
    await agents.remove(a)
    expect((await search("shared")).map((h) => h.agentId)).toEqual([b])
    expect(await search("alpha")).toEqual([])
  })

  test("ranked: the better match first, the newest first among equals; --since leaves older ones out", async () => {
    const id = await newAgent("o", "opencode")
    await append(id, turn("opencode", "retry", []))
    await append(id, turn("opencode", "a long prompt that mentions retry once among many other words here", []))
    await append(id, turn("opencode", "retry", []))
    await indexer.caughtUp()
    const hits = await search("retry")
    expect(hits.map((h) => h.text)).toEqual(["retry", "retry", "a long prompt that mentions retry once among many other words here"])
    expect(hits[0]!.offset > hits[1]!.offset).toBe(true)
    expect(await search("retry", { since: new Date(Date.now() + 60_000).toISOString() })).toEqual([])
  })
})
