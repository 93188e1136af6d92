// The Durable Streams reference server (@durable-streams/server), file-backed with its defaults,
// for scripts/bench/streams.ts: prints its URL, serves until stdin closes. Plain JavaScript so that
// Node, the runtime it is written for, can run it.
import { DurableStreamTestServer } from "@durable-streams/server"

const server = new DurableStreamTestServer({ dataDir: process.argv[2], port: 0 })
console.log(await server.start())
process.stdin.resume()
process.stdin.on("end", () => void server.stop().then(() => process.exit(0)))
