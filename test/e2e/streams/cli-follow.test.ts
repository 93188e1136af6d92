import { afterEach, describe, expect, test } from "vitest"
import { STORES, storeEnv } from "../../support/stores.ts"
import { Sandbox } from "../../support/sandbox.ts"

let sandbox: Sandbox
afterEach(() => sandbox?.close())

describe.each(STORES)("on %s", (store) => {
  test("streams read --follow prints live events and exits 0 when the stream is closed", async () => {
    sandbox = new Sandbox(await storeEnv(store))
    await sandbox.run(["streams", "create", "done"])
    await sandbox.run(["streams", "append", "done", '{"type":"first"}'])
    const follower = sandbox.spawn(["streams", "read", "done", "--follow", "--format", "json"])
    const output = new Response(follower.stdout).text()
    await sandbox.run(["streams", "append", "done", '{"type":"second"}'])
    const close = await sandbox.api("/v1/stream/done", { method: "POST", headers: { "Stream-Closed": "true" } })
    expect(close.status).toBe(204)

    expect(await follower.exited).toBe(0)
    expect((await output).trim().split("\n").map((line) => JSON.parse(line).type)).toEqual(["first", "second"])
    // Reading a closed stream with --follow returns at once.
    const again = await sandbox.run(["streams", "read", "done", "--follow", "--format", "json"])
    expect(again.code).toBe(0)
    expect(again.stdout.trim().split("\n")).toHaveLength(2)
  })
})
