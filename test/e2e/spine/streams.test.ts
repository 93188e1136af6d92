import { afterEach, describe, expect, test } from "vitest"
import { STORES, storeEnv } from "../../support/stores.ts"
import { Sandbox } from "../../support/sandbox.ts"
import { isAlive, waitFor } from "../../support/wait.ts"

let sandbox: Sandbox
afterEach(() => sandbox?.close())

const lines = (text: string) => text.trim().split("\n").filter(Boolean)

/** Collects a long-running command's stdout lines as they arrive. */
function collect(stream: ReadableStream<Uint8Array>) {
  const seen: string[] = []
  void (async () => {
    const decoder = new TextDecoder()
    let buffer = ""
    for await (const chunk of stream) {
      buffer += decoder.decode(chunk, { stream: true })
      const parts = buffer.split("\n")
      buffer = parts.pop()!
      seen.push(...parts)
    }
  })()
  return seen
}

describe.each(STORES)("streams through the CLI, on %s", (store) => {
  test("create, append, list and read round trip with increasing offsets", async () => {
    sandbox = new Sandbox(await storeEnv(store))
    expect((await sandbox.run(["streams", "create", "demo"])).code).toBe(0)
    const again = await sandbox.run(["streams", "create", "demo"])
    expect(again.code).toBe(0)
    expect(again.stderr).toContain("already exists")

    const one = await sandbox.run(["streams", "append", "demo", '{"type":"note","payload":{"text":"hello"}}'])
    expect(one.code, one.stderr).toBe(0)
    const many = await sandbox.run(["streams", "append", "demo", "-"], {
      stdin: '{"type":"a"}\n\n{"type":"b","payload":[1,2]}\n{"type":"c","metadata":{"by":"test"}}',
    })
    expect(many.code, many.stderr).toBe(0)
    const offsets = [...lines(one.stdout), ...lines(many.stdout)]
    expect(offsets).toHaveLength(4)
    expect([...offsets].sort()).toEqual(offsets)
    expect(new Set(offsets).size).toBe(4)

    const list = JSON.parse((await sandbox.run(["streams", "list", "--json"])).stdout)
    expect(list).toEqual([expect.objectContaining({ name: "demo", messages: 4, nextOffset: offsets[3], contentType: "application/json" })])

    const read = await sandbox.run(["streams", "read", "demo", "--format", "json"])
    expect(read.code).toBe(0)
    const events = lines(read.stdout).map((line) => JSON.parse(line))
    expect(events.map((e) => e.type)).toEqual(["note", "a", "b", "c"])
    expect(events.map((e) => e.offset)).toEqual(offsets)
    for (const event of events) {
      expect(event).toMatchObject({ version: 1, streamId: "demo" })
      expect(Date.parse(event.createdAt)).not.toBeNaN()
    }
    expect(events[0].payload).toEqual({ text: "hello" })
    expect(events[3].metadata).toEqual({ by: "test" })

    const after = await sandbox.run(["streams", "read", "demo", "--offset", offsets[1]!, "--format", "json"])
    expect(lines(after.stdout).map((l) => JSON.parse(l).type)).toEqual(["b", "c"])

    const text = await sandbox.run(["streams", "read", "demo"])
    expect(lines(text.stdout)[0]).toMatch(/^0+1 {2}\S+ {2}note {2}\{"text":"hello"\}$/)

    expect((await sandbox.run(["streams", "rm", "demo"])).code).toBe(0)
    const gone = await sandbox.run(["streams", "read", "demo"])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toBe("iterate: no stream named demo (see: iterate streams)\n")
  })

  test("an invalid JSON append is one line on stderr, exit 1, and the daemon keeps running", async () => {
    sandbox = new Sandbox(await storeEnv(store))
    await sandbox.run(["streams", "create", "demo"])
    const pid = sandbox.record()!.pid
    for (const bad of ["{bad", '{"no-type":1}', "42"]) {
      const result = await sandbox.run(["streams", "append", "demo", bad])
      expect(result.code, bad).toBe(1)
      expect(lines(result.stderr), bad).toHaveLength(1)
      expect(result.stderr, bad).toMatch(/^iterate: /)
      expect(result.stdout, bad).toBe("")
    }
    const piped = await sandbox.run(["streams", "append", "demo"], { stdin: '{"type":"ok"}\nnot json\n{"type":"never"}\n' })
    expect(piped.code).toBe(1)
    expect(piped.stderr).toMatch(/^iterate: line 2 is not valid JSON/)
    expect(isAlive(pid)).toBe(true)
    const read = await sandbox.run(["streams", "read", "demo", "--format", "json"])
    expect(lines(read.stdout).map((l) => JSON.parse(l).type)).toEqual(["ok"])
    expect(sandbox.record()!.pid).toBe(pid)
  })

  test("usage errors exit 2; an unknown stream names it and says how to create it", async () => {
    sandbox = new Sandbox(await storeEnv(store))
    expect((await sandbox.run(["streams", "read"])).code).toBe(2)
    expect((await sandbox.run(["streams", "read", "x", "--format", "xml"])).code).toBe(2)
    expect((await sandbox.run(["no-such-command"])).code).toBe(2)
    const missing = await sandbox.run(["streams", "append", "nope", '{"type":"x"}'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe("iterate: no stream named nope (create it with: iterate streams create nope)\n")
    const invalid = await sandbox.run(["streams", "create", "bad name"])
    expect(invalid.code).toBe(1)
    expect(invalid.stderr).toMatch(/^iterate: invalid stream name/)
  })

  test("acknowledged events survive kill -9 of the daemon", async () => {
    sandbox = new Sandbox(await storeEnv(store))
    await sandbox.run(["streams", "create", "durable"])
    const input = Array.from({ length: 200 }, (_, i) => JSON.stringify({ type: "n", payload: i })).join("\n")
    const appended = await sandbox.run(["streams", "append", "durable", "-"], { stdin: input })
    expect(appended.code).toBe(0)
    expect(lines(appended.stdout)).toHaveLength(200)
    const { pid } = sandbox.record()!
    process.kill(pid, "SIGKILL")
    await waitFor("the daemon to die", () => !isAlive(pid), { timeoutMs: 5_000 })

    const read = await sandbox.run(["streams", "read", "durable", "--format", "json"])
    expect(read.code, read.stderr).toBe(0)
    expect(sandbox.record()!.pid).not.toBe(pid)
    expect(lines(read.stdout).map((l) => JSON.parse(l).payload)).toEqual(Array.from({ length: 200 }, (_, i) => i))
  })

  test("read --follow prints live events, and carries on across a daemon restart", async () => {
    sandbox = new Sandbox(await storeEnv(store))
    await sandbox.run(["streams", "create", "live"])
    await sandbox.run(["streams", "append", "live", '{"type":"old"}'])
    const follower = sandbox.spawn(["streams", "read", "live", "--follow", "--format", "json"])
    const seen = collect(follower.stdout)
    await waitFor("the catch-up event", () => seen.length === 1, { timeoutMs: 10_000 })
    await sandbox.run(["streams", "append", "live", '{"type":"new"}'])
    await waitFor("the live event", () => seen.length === 2, { timeoutMs: 10_000 })

    expect((await sandbox.run(["server", "restart"])).code).toBe(0)
    await sandbox.run(["streams", "append", "live", '{"type":"after-restart"}'])
    await waitFor("the event after the restart", () => seen.length === 3, { timeoutMs: 15_000 })
    expect(seen.map((l) => JSON.parse(l).type)).toEqual(["old", "new", "after-restart"])
    follower.kill("SIGINT")
    expect(await follower.exited).toBe(130)
  })

  test("byte streams round trip raw bytes", async () => {
    sandbox = new Sandbox(await storeEnv(store))
    expect((await sandbox.run(["streams", "create", "logs/build", "--content-type", "text/plain"])).code).toBe(0)
    await sandbox.api("/v1/stream/logs/build", { method: "POST", headers: { "content-type": "text/plain" }, body: "line one\n" })
    await sandbox.api("/v1/stream/logs/build", { method: "POST", headers: { "content-type": "text/plain" }, body: "line two\n" })
    const read = await sandbox.run(["streams", "read", "logs/build"])
    expect(read.stdout).toBe("line one\nline two\n")
    // Each stream's size in bytes, in the listing and its JSON.
    const listed = JSON.parse((await sandbox.run(["streams", "list", "--json"])).stdout)
    expect(listed).toEqual([expect.objectContaining({ name: "logs/build", messages: 2, bytes: 18 })])
    const table = lines((await sandbox.run(["streams", "list"])).stdout)
    expect(table[0]).toMatch(/^NAME\s+MESSAGES\s+BYTES\s+NEXT OFFSET/)
    expect(table[1]).toMatch(/^logs\/build\s+2\s+18\s+0+2\s/)
    const json = await sandbox.run(["streams", "append", "logs/build", '{"type":"x"}'])
    expect(json.code).toBe(1)
    expect(json.stderr).toContain("not JSON events")
  })
})
