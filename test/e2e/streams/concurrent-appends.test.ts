import { afterEach, describe, expect, test } from "vitest"
import { parseOffset } from "../../../src/streams/offsets.ts"
import { STORES, storeEnv } from "../../support/stores.ts"
import { Sandbox } from "../../support/sandbox.ts"
import { waitFor } from "../../support/wait.ts"
import { createJsonStream, killDaemon, readAll, startDaemon } from "./daemon.ts"

let sandbox: Sandbox
afterEach(() => sandbox?.close())

const WRITERS = 32
const APPENDS_EACH = 50

interface Message {
  w: number
  i: number
}

/** One writer's sequential appends; returns the offset each acknowledged append was given. */
async function writer(sandbox: Sandbox, name: string, w: number, count: number, stopped = () => false): Promise<number[]> {
  const offsets: number[] = []
  for (let i = 0; i < count && !stopped(); i++) {
    const response = await sandbox
      .api(`/v1/stream/${name}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ w, i }) })
      .catch(() => undefined)
    if (!response) break // the daemon died under us: this append was not acknowledged
    expect(response.status).toBe(204)
    offsets.push(parseOffset(response.headers.get("Stream-Next-Offset")!)!)
  }
  return offsets
}

describe.each(STORES)("on %s", (store) => {
  test("concurrent appenders: every acknowledged append is stored once, at its own offset, with no gaps", async () => {
    sandbox = new Sandbox(await storeEnv(store))
    await startDaemon(sandbox)
    await createJsonStream(sandbox, "busy")

    const acknowledged = await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(sandbox, "busy", w, APPENDS_EACH)))
    const total = WRITERS * APPENDS_EACH
    for (const offsets of acknowledged) {
      expect(offsets).toHaveLength(APPENDS_EACH)
      // Each writer's own appends get increasing offsets.
      for (let k = 1; k < offsets.length; k++) expect(offsets[k]!).toBeGreaterThan(offsets[k - 1]!)
    }
    // Between them the writers got every offset from 1 to the tail, each once.
    expect(acknowledged.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, k) => k + 1))

    const stored = await readAll<Message>(sandbox, "busy")
    expect(stored).toHaveLength(total)
    // The message at offset k is the one whose append was answered with offset k.
    acknowledged.forEach((offsets, w) => offsets.forEach((offset, i) => expect(stored[offset - 1]).toEqual({ w, i })))
    const head = await sandbox.api("/v1/stream/busy", { method: "HEAD" })
    expect(parseOffset(head.headers.get("Stream-Next-Offset")!)).toBe(total)
  })

  test("appends acknowledged before a kill -9 under concurrent load are all there after a restart", async () => {
    sandbox = new Sandbox(await storeEnv(store))
    await startDaemon(sandbox)
    await createJsonStream(sandbox, "crash")

    let dead = false
    const writers = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(sandbox, "crash", w, 10_000, () => dead)))
    await waitFor("load", async () => (await sandbox.api("/v1/stream/crash", { method: "HEAD" })).headers.get("Stream-Next-Offset")! > "0000000000000500", { timeoutMs: 20_000 })
    await killDaemon(sandbox)
    dead = true
    const acknowledged = await writers
    await startDaemon(sandbox)

    const stored = await readAll<Message>(sandbox, "crash")
    const storedAt = new Map(stored.map((m, k) => [`${m.w}:${m.i}`, k + 1]))
    expect(storedAt.size).toBe(stored.length) // nothing stored twice
    acknowledged.forEach((offsets, w) => offsets.forEach((offset, i) => expect(storedAt.get(`${w}:${i}`)).toBe(offset)))
    // At most the appends in flight at the kill were committed without being acknowledged.
    expect(stored.length - acknowledged.flat().length).toBeLessThanOrEqual(WRITERS)
  })
})
