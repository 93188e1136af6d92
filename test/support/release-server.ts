// A loopback stand-in for a GitHub release folder: serves the files of one folder over plain http on
// 127.0.0.1 (the only place install.sh accepts plain http from). `replace` swaps a file's bytes, the
// way a compromised mirror would. The server never keeps the test process alive; stop() ends it.
import { join } from "node:path"

export interface Served {
  url: string
  /** paths requested so far, in order */
  requests: string[]
  stop(): void
}

export function serveFolder(folder: string, replace: Record<string, Uint8Array<ArrayBuffer>> = {}): Served {
  const requests: string[] = []
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const name = decodeURIComponent(new URL(request.url).pathname.slice(1))
      requests.push(name)
      if (name in replace) return new Response(replace[name])
      const file = Bun.file(join(folder, name))
      if (name.includes("/") || !(await file.exists())) return new Response("not found", { status: 404 })
      return new Response(file)
    },
  })
  server.unref()
  return { url: `http://127.0.0.1:${server.port}`, requests, stop: () => server.stop(true) }
}
