// The web UI's files: the HTML shell and its hashed JS, CSS and icon, loaded on the first request
// for a page (never at daemon start), gzipped once, and kept in memory.
import { basename } from "node:path"

export interface Asset {
  body: Uint8Array<ArrayBuffer>
  gzip: Uint8Array<ArrayBuffer>
  type: string
  etag: string
}

export interface WebAssets {
  shell: Asset
  /** by URL path, e.g. /chunk-r41pdjsg.js */
  files: Map<string, Asset>
}

let loading: Promise<WebAssets> | undefined

export const webAssets = (): Promise<WebAssets> => (loading ??= load())

function asset(bytes: Uint8Array<ArrayBuffer>, type: string): Asset {
  return { body: bytes, gzip: Bun.gzipSync(bytes), type, etag: `"${Bun.hash(bytes).toString(36)}"` }
}

async function load(): Promise<WebAssets> {
  const { default: page } = await import("./bundle.ts")
  const outputs: Array<{ path: string; type: string; bytes: Uint8Array<ArrayBuffer> }> = []
  if (page.files) {
    for (const file of page.files) outputs.push({ path: file.path, type: file.headers["content-type"], bytes: await Bun.file(file.path).bytes() })
  } else {
    // From source: bundle the page now, the way `bun build --compile` does for the binary.
    const built = await Bun.build({ entrypoints: [page.index], minify: true, publicPath: "/" })
    if (!built.success) throw new AggregateError(built.logs, "bundling the web UI failed")
    for (const output of built.outputs) outputs.push({ path: output.path, type: output.type, bytes: new Uint8Array(await output.arrayBuffer()) })
  }
  let shell: Asset | undefined
  const files = new Map<string, Asset>()
  for (const { path, type, bytes } of outputs) {
    if (type.startsWith("text/html")) shell = asset(bytes, type)
    else files.set(`/${basename(path)}`, asset(bytes, type))
  }
  if (!shell) throw new Error("the web UI bundle has no HTML page")
  return { shell, files }
}
