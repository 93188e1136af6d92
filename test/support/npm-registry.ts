// A minimal npm registry on 127.0.0.1 serving the package tarballs found in some folders: a packument
// per package name, built from each tarball's own package.json, with the sha512 integrity npm checks.
// Lets the tests run the real `npm i -g iterate` without touching the public registry.
import { readdirSync } from "node:fs"
import { join } from "node:path"

interface Version {
  manifest: Record<string, unknown> & { name: string; version: string }
  file: string
  bytes: Uint8Array<ArrayBuffer>
}

export interface Registry {
  url: string
  /** package tarballs downloaded so far */
  downloads: string[]
  stop(): void
}

/** Reads package/package.json, gunzipping only as far as it: the platform tarballs are 50 MB each. */
export async function packageManifest(bytes: Uint8Array<ArrayBuffer>): Promise<Version["manifest"]> {
  const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")).getReader()
  let tar = new Uint8Array(0)
  let offset = 0
  for (;;) {
    while (tar.length >= offset + 512) {
      const name = new TextDecoder().decode(tar.subarray(offset, offset + 100)).replace(/\0.*$/s, "")
      const size = parseInt(new TextDecoder().decode(tar.subarray(offset + 124, offset + 136)), 8)
      if (!name) throw new Error("tarball has no package/package.json")
      if (name === "package/package.json" && tar.length >= offset + 512 + size) {
        await reader.cancel()
        return JSON.parse(new TextDecoder().decode(tar.subarray(offset + 512, offset + 512 + size)))
      }
      if (name === "package/package.json") break
      offset += 512 + Math.ceil(size / 512) * 512
    }
    const { done, value } = await reader.read()
    if (done) throw new Error("tarball has no package/package.json")
    const grown = new Uint8Array(tar.length + value.length)
    grown.set(tar)
    grown.set(value, tar.length)
    tar = grown
  }
}

async function readVersion(path: string, file: string): Promise<Version> {
  const bytes = await Bun.file(join(path, file)).bytes()
  return { manifest: await packageManifest(bytes), file, bytes }
}

export async function serveRegistry(folders: string[]): Promise<Registry> {
  const packages = new Map<string, Version[]>()
  for (const folder of folders) {
    for (const file of readdirSync(folder).filter((name) => name.endsWith(".tgz"))) {
      const version = await readVersion(folder, file)
      packages.set(version.manifest.name, [...(packages.get(version.manifest.name) ?? []), version])
    }
  }
  const downloads: string[] = []
  const server: Bun.Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request): Response {
      const [name, dash, file] = decodeURIComponent(new URL(request.url).pathname.slice(1)).split("/")
      const versions = packages.get(name ?? "")
      if (!versions) return Response.json({ error: "not found" }, { status: 404 })
      if (dash === "-") {
        const version = versions.find((v) => v.file === file)
        if (!version) return Response.json({ error: "not found" }, { status: 404 })
        downloads.push(version.file)
        return new Response(version.bytes, { headers: { "content-type": "application/octet-stream" } })
      }
      const base = `http://127.0.0.1:${server.port}/${name}/-/`
      const latest = versions.map((v) => v.manifest.version).sort(Bun.semver.order).at(-1)!
      return Response.json({
        name,
        "dist-tags": { latest },
        versions: Object.fromEntries(
          versions.map((v) => [
            v.manifest.version,
            {
              ...v.manifest,
              dist: {
                tarball: base + v.file,
                integrity: "sha512-" + new Bun.CryptoHasher("sha512").update(v.bytes).digest("base64"),
                shasum: new Bun.CryptoHasher("sha1").update(v.bytes).digest("hex"),
              },
            },
          ]),
        ),
      })
    },
  })
  server.unref()
  return { url: `http://127.0.0.1:${server.port}/`, downloads, stop: () => server.stop(true) }
}

/** The environment of a user whose npm talks only to `registry` and keeps its cache and config in `home`. */
export function npmUser(registry: Registry, home: string): Record<string, string> {
  Bun.write(join(home, ".npmrc"), "")
  return {
    HOME: home,
    PATH: "/usr/local/bin:/usr/bin:/bin",
    npm_config_registry: registry.url,
    npm_config_userconfig: join(home, ".npmrc"),
    npm_config_cache: join(home, ".npm"),
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
  }
}
