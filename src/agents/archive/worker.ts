// The indexer's own thread (started by thread.ts): it opens its own connections to the store,
// catches up with every agent's stream, and then indexes those the daemon says changed.
import { ArchiveIndexer, indexedBy } from "./indexer.ts"
import type { FromWorker, IndexLocation, ToWorker } from "./thread.ts"
import { PostgresAgentStore } from "../postgres-store.ts"
import { SqliteAgentStore } from "../sqlite-store.ts"
import type { AgentStore } from "../store.ts"
import { AgentStreams } from "../stream.ts"
import { connectPostgres } from "../../storage/postgres.ts"
import { PostgresStreamStore } from "../../streams/postgres/store.ts"
import { SqliteStreamStore, type StreamStore } from "../../streams/store.ts"

declare const self: Worker

const send = (message: FromWorker) => postMessage(message)
const line = (args: unknown[]) => args.map((a) => (a instanceof Error ? (a.stack ?? a.message) : typeof a === "string" ? a : Bun.inspect(a))).join(" ")
console.log = console.info = (...args: unknown[]) => send({ type: "log", error: false, text: line(args) })
console.error = console.warn = (...args: unknown[]) => send({ type: "log", error: true, text: line(args) })

interface Opened {
  streams: StreamStore
  agents: AgentStore
  close(): Promise<void>
}

async function open(location: IndexLocation): Promise<Opened> {
  if (location.kind === "sqlite") {
    const streams = new SqliteStreamStore(location.streams)
    const agents = new SqliteAgentStore(location.agents)
    return { streams, agents, close: async () => (await agents.close(), await streams.close()) }
  }
  const pg = await connectPostgres(location.url, { max: 4 })
  const streams = await PostgresStreamStore.open(pg)
  const agents = await PostgresAgentStore.open(pg, location.node, location.leaseTtlMs)
  return { streams, agents, close: async () => (await streams.close(), await pg.close()) }
}

// A store out of reach when the thread starts (PostgreSQL restarting) is tried again this often.
const RETRY_MS = 5_000

async function openWhenReachable(location: IndexLocation): Promise<Opened> {
  for (;;) {
    try {
      return await open(location)
    } catch (error) {
      console.error(`search index: cannot open the store, trying again in ${RETRY_MS / 1000} s: ${(error as Error).message}`)
      await Bun.sleep(RETRY_MS)
    }
  }
}

let started: Promise<{ indexer: ArchiveIndexer; opened: Opened }> | undefined

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data
  if (message.type === "start") {
    const location = message.location
    started = openWhenReachable(location).then((opened) => {
      const indexer = new ArchiveIndexer({
        index: opened.agents.index,
        streams: new AgentStreams(opened.streams),
        agent: (id) => opened.agents.find(id),
        agents: () => opened.agents.list(),
        indexes: indexedBy(location.kind === "postgres" ? location.node : undefined),
      })
      indexer.start()
      return { indexer, opened }
    })
    return
  }
  const running = await started
  if (!running) return
  if (message.type === "changed") running.indexer.changed(message.agentId, message.change)
  else if (message.type === "caught-up") {
    await running.indexer.caughtUp()
    send({ type: "caught-up", ask: message.ask })
  } else if (message.type === "stop") {
    await running.indexer.stop()
    await running.opened.close()
    send({ type: "stopped" })
  }
}
