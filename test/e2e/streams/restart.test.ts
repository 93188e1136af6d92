import { afterEach, describe, expect, test } from "vitest"
import { STORES, storeEnv } from "../../support/stores.ts"
import { Sandbox } from "../../support/sandbox.ts"
import { waitFor } from "../../support/wait.ts"
import { createJsonStream, killDaemon, readAll, sseBatches, startDaemon } from "./daemon.ts"

let sandbox: Sandbox
afterEach(() => sandbox?.close())

const EVENTS = 500

/**
 * Appends event i with producer seq i, retrying across daemon restarts: a retry of an append that
 * did commit is answered as a duplicate, so each event is stored exactly once.
 */
async function appendAll(sandbox: Sandbox, name: string, stopped: () => boolean): Promise<number> {
  let retries = 0
  for (let i = 0; i < EVENTS && !stopped(); ) {
    const response = await sandbox
      .api(`/v1/stream/${name}`, {
        method: "POST",
        headers: { "content-type": "application/json", "Producer-Id": "writer", "Producer-Epoch": "0", "Producer-Seq": String(i) },
        body: JSON.stringify({ i }),
      })
      .catch(() => undefined)
    if (!response) {
      retries++
      await Bun.sleep(20) // the daemon is down: try the same seq again once it is back
      continue
    }
    expect([200, 204]).toContain(response.status)
    i++
  }
  return retries
}

describe.each(STORES)("on %s", (store) => {
  test("a live SSE read resumes across a kill -9 and restart of the daemon, without loss or duplicates", async () => {
    sandbox = new Sandbox(await storeEnv(store))
    await startDaemon(sandbox)
    await createJsonStream(sandbox, "live")

    const received: unknown[] = []
    let connections = 0
    let done = false
    const reader = (async () => {
      let offset = "-1"
      while (received.length < EVENTS) {
        try {
          const response = await sandbox.api(`/v1/stream/live?offset=${offset}&live=sse`)
          connections++
          for await (const { messages, control } of sseBatches(response)) {
            received.push(...messages)
            offset = control.streamNextOffset
            if (received.length >= EVENTS) break
          }
        } catch {
          await Bun.sleep(20) // dropped by the kill: reconnect from the last offset
        }
      }
    })()
    const writer = appendAll(sandbox, "live", () => done)

    await waitFor("the reader to be well into the stream", () => received.length >= 50, { timeoutMs: 20_000 })
    await killDaemon(sandbox)
    await startDaemon(sandbox)
    let retries: number
    try {
      ;[retries] = await Promise.all([writer, reader])
    } finally {
      done = true
    }

    const expected = Array.from({ length: EVENTS }, (_, i) => ({ i }))
    // The kill really happened mid-read and mid-write:
    expect(connections).toBeGreaterThanOrEqual(2)
    expect(retries).toBeGreaterThan(0)
    expect(received).toEqual(expected)
    expect(await readAll(sandbox, "live")).toEqual(expected)
  })
})
