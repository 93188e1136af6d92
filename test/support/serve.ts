import { readFileSync } from "node:fs"
import { afterAll, beforeAll } from "vitest"
import { watch } from "./agent-sandbox.ts"
import { type DaemonRecord, Sandbox } from "./sandbox.ts"
import { waitFor } from "./wait.ts"

/** `iterate serve` in the foreground in a sandbox, once its record answers; its output is watched. */
export async function startServe(sandbox: Sandbox, args: string[], env: Record<string, string> = {}) {
  const child = watch(sandbox.spawn(["serve", ...args], { env }))
  const record: DaemonRecord = await waitFor("serve to write its record", () => sandbox.record(), { timeoutMs: 15_000 })
  return { ...child, record }
}

/** The access-log lines of a daemon log file, split into their fields. */
export function accessLines(logFile: string) {
  return readFileSync(logFile, "utf8")
    .split("\n")
    .map((line) => /^(\S+) info access (\S+) (\S+) (\S+) (\d{3}) (\d+\.\d)ms$/.exec(line))
    .filter((match) => match !== null)
    .map(([, time, remote, method, path, status, ms]) => ({ time: time!, remote: remote!, method: method!, path: path!, status: Number(status), ms: Number(ms) }))
}

/** A password-protected `iterate serve` for a whole test file, like a VPS runs it; `url()` once it is up. */
export function usePasswordServer(password: string): { url: () => string } {
  let server: Sandbox | undefined
  let url = ""
  beforeAll(async () => {
    server = new Sandbox({ ITERATE_SERVER_PASSWORD: password })
    url = (await startServe(server, ["--port", "0"])).record.url
  })
  afterAll(() => server?.close())
  return { url: () => url }
}
