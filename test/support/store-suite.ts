// The stream store interface (and the batch store's claim), in process, against one
// implementation: the unit project runs it on a real SQLite file (test/unit/streams/store.test.ts),
// the e2e project on a real PostgreSQL database (test/e2e/streams/store.test.ts).
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import type { Stores } from "../../src/server/stores.ts"
import { waitForChange } from "../../src/streams/protocol/wait.ts"
import { FencedError, StreamClosedError, type StreamStore } from "../../src/streams/store.ts"

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const json = (value: unknown) => encoder.encode(JSON.stringify(value))
const text = (messages: { data: Uint8Array }[]) => messages.map((m) => decoder.decode(m.data))

/** The store, and a way to set a lease's epoch as the lease holder (the agents layer) will. */
export interface OpenedStore {
  stores: Stores
  setLease: (name: string, epoch: number) => Promise<void>
  /** Where nodes beat (PostgreSQL): records a heartbeat of the node `agoMs` ago, with that lease TTL. */
  beat?: (node: string, leaseTtlMs: number, agoMs: number) => Promise<void>
  close: () => Promise<void>
}

export function storeSuite(kind: string, open: (dir: string) => Promise<OpenedStore>): void {
  describe(`the ${kind} store`, () => {
    let dir: string
    let handle: OpenedStore
    let store: StreamStore
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "iterate-store-"))
      handle = await open(dir)
      store = handle.stores.streams
    })
    afterAll(async () => {
      await handle?.close()
      rmSync(dir, { recursive: true, force: true })
    })

    test("concurrent appends get gapless seqs, in the order their promises settle per writer", async () => {
      await store.create("busy", { contentType: "application/json" })
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, (_, n) => store.append("busy", { contentType: "application/json", messages: [json({ n })] })),
      )
      const tails = outcomes.map((o) => (o.status === "appended" ? o.tail : -1)).sort((a, b) => a - b)
      expect(tails).toEqual(Array.from({ length: 200 }, (_, k) => k + 1))
      const meta = (await store.get("busy"))!
      expect(meta.tailSeq).toBe(200)
      const stored = await store.read(meta, 0, Infinity)
      outcomes.forEach((o, n) => expect(JSON.parse(text([stored[(o as { tail: number }).tail - 1]!])[0]!)).toEqual({ n }))
    })

    test("a fenced append commits only while its lease has its epoch", async () => {
      await store.create("fenced", { contentType: "application/json" })
      const build = (seq: number) => ({ data: json({ seq }), value: seq })
      const fence = { lease: "agent/one", epoch: 1 }
      await expect(store.appendWith("fenced", 1, build, { fence })).rejects.toBeInstanceOf(FencedError)
      await handle.setLease("agent/one", 1)
      expect(await store.appendWith("fenced", 2, build, { fence })).toEqual([1, 2])
      // Taken over: the old holder's next append is refused, the new one's goes through.
      await handle.setLease("agent/one", 2)
      const stale = await store.appendWith("fenced", 1, build, { fence }).catch((error) => error)
      expect(stale).toBeInstanceOf(FencedError)
      expect(stale.epoch).toBe(2)
      expect(await store.appendWith("fenced", 1, build, { fence: { lease: "agent/one", epoch: 2 } })).toEqual([3])
      expect(text(await store.read((await store.get("fenced"))!, 0))).toEqual(['{"seq":1}', '{"seq":2}', '{"seq":3}'])
    })

    test("an append and a close wake a waiting reader; a change before the wait is not missed", async () => {
      const { meta } = await store.create("waited", { contentType: "text/plain" })
      const seen = store.version(meta.id)
      await store.append("waited", { contentType: "text/plain", messages: [encoder.encode("early")] })
      // Appended after the reader took its count and before it waited: the wait returns at once.
      expect(await waitForChange(store, meta.id, seen, 10_000, new AbortController().signal)).toBe(true)
      const waiting = waitForChange(store, meta.id, store.version(meta.id), 10_000, new AbortController().signal)
      await store.append("waited", { contentType: "text/plain", messages: [], close: true })
      expect(await waiting).toBe(true)
      await expect(store.appendWith("waited", 1, () => ({ data: encoder.encode("late"), value: 0 }))).rejects.toBeInstanceOf(StreamClosedError)
      expect((await store.get("waited"))!.closed).toBe(true)
    })

    test("a fork reads its source's history; deleting the source keeps it for the fork", async () => {
      await store.create("source", { contentType: "text/plain", initial: ["a", "b", "c"].map((s) => encoder.encode(s)) })
      const source = (await store.get("source"))!
      await store.create("fork", { contentType: "text/plain", fork: { sourceId: source.id, offset: 2, subOffset: 0, baseSeq: 2 }, initial: [encoder.encode("x")] })
      const fork = (await store.get("fork"))!
      expect(text(await store.read(fork, 0))).toEqual(["a", "b", "x"])
      expect(await store.tails(["source", "fork", "missing"])).toEqual(new Map([["source", 3], ["fork", 3]]))

      const changes: string[] = []
      const unwatch = store.watch((name, change) => changes.push(`${change} ${name}`))
      expect(await store.delete("source")).toBe(true)
      expect((await store.find("source"))!.deleted).toBe(true)
      expect(text(await store.read((await store.get("fork"))!, 1))).toEqual(["b", "x"])
      expect(await store.delete("fork")).toBe(true)
      // The fork was the source's last reader: both are gone.
      expect(await store.find("source")).toBeUndefined()
      unwatch()
      // Marked deleted, then removed with its last fork (which goes after the source it released).
      expect(changes).toEqual(["deleted source", "deleted source", "deleted fork"])
    })

    test("a batch is claimed from its node by one taker only, and not once it ended", async () => {
      const batches = handle.stores.batches
      const batch = { id: "bclaim1", node: "a", directory: dir, parallel: 1, harness: "opencode", permissions: "allow-edits", worktree: false, createdAt: new Date().toISOString() }
      await batches.create(batch, [{ batch: batch.id, index: 0, name: "one", prompt: "write one", harness: "opencode", state: "queued", attempts: 0 }])
      expect(await batches.claim(batch.id, "elsewhere", "b")).toBe(false)
      // Two nodes taking it over at once: one wins.
      const taken = await Promise.all([batches.claim(batch.id, "a", "b"), batches.claim(batch.id, "a", "c")])
      expect(taken.filter(Boolean)).toHaveLength(1)
      const winner = taken[0] ? "b" : "c"
      expect((await batches.get(batch.id))!.node).toBe(winner)
      expect(await batches.unfinished("a")).toEqual([])
      expect((await batches.unfinished(winner)).map((b) => b.id)).toEqual([batch.id])
      // Its tasks go with it, untouched.
      expect((await batches.tasks(batch.id)).map((t) => [t.name, t.state])).toEqual([["one", "queued"]])
      if (handle.beat) {
        // A node whose heartbeat is within its TTL (it started again) keeps its batch; one past it does not.
        await handle.beat(winner, 60_000, 0)
        expect(await batches.claim(batch.id, winner, "d")).toBe(false)
        await handle.beat(winner, 1_000, 5_000)
        expect(await batches.claim(batch.id, winner, "d")).toBe(true)
        expect((await batches.get(batch.id))!.node).toBe("d")
      }
      const last = (await batches.get(batch.id))!.node
      await batches.end(batch.id, new Date().toISOString())
      expect(await batches.claim(batch.id, last, "e")).toBe(false)
      expect((await batches.get(batch.id))!.node).toBe(last)
    })
  })
}
