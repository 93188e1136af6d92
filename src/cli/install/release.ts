// Fetches this platform's binary from a release folder the way install.sh does: SHA256SUMS first, then
// the archive, which must match it before anything is unpacked.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import pkg from "../../../package.json" with { type: "json" }
import { TARGETS, archiveName, exe } from "../../../npm/iterate/lib/targets.js"
import { CliError } from "../../errors.ts"
import { parseSums, sha256 } from "./checksums.ts"

/** The release folder to download from: ITERATE_DOWNLOAD_URL, else the GitHub release of `version` (or the latest). */
export function releaseFolder(version?: string): string {
  const folder =
    process.env.ITERATE_DOWNLOAD_URL?.replace(/\/+$/, "") ||
    (version ? `${pkg.homepage}/releases/download/v${version}` : `${pkg.homepage}/releases/latest/download`)
  const url = URL.parse(folder)
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url?.hostname ?? "")
  if (url?.protocol !== "https:" && !(url?.protocol === "http:" && loopback)) {
    throw new CliError(`refusing to download from ${folder}: use https (plain http is allowed for loopback addresses only)`)
  }
  return folder
}

async function download(url: string): Promise<Uint8Array<ArrayBuffer>> {
  const response = await fetch(url).catch((error: Error) => {
    throw new CliError(`cannot download ${url}: ${error.message}`)
  })
  if (!response.ok) throw new CliError(`cannot download ${url}: HTTP ${response.status}`)
  return response.bytes()
}

async function unpack(archive: Uint8Array<ArrayBuffer>, name: string, windows: boolean): Promise<Uint8Array<ArrayBuffer>> {
  if (!windows) {
    const file = (await new Bun.Archive(archive).files()).get(name)
    if (!file) throw new CliError(`the release archive holds no ${name}`)
    return file.bytes()
  }
  // Bun.Archive reads tar only; every supported Windows ships bsdtar, which reads zip.
  const dir = mkdtempSync(join(tmpdir(), "iterate-upgrade-"))
  try {
    await Bun.write(join(dir, "release.zip"), archive)
    const tar = join(process.env.SystemRoot ?? "C:\\Windows", "System32", "tar.exe")
    const result = Bun.spawnSync([tar, "-xf", join(dir, "release.zip"), "-C", dir])
    if (!result.success) throw new CliError(`cannot unpack the release archive: ${result.stderr.toString().trim()}`)
    return await Bun.file(join(dir, name)).bytes()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The verified binary for `targetName` from the release folder. */
export async function downloadBinary(folder: string, targetName: string): Promise<Uint8Array<ArrayBuffer>> {
  const target = TARGETS.find((t) => t.name === targetName)
  if (!target) throw new CliError(`this binary was built for an unknown target ${targetName}`)
  const file = archiveName(target)
  const expected = parseSums(new TextDecoder().decode(await download(`${folder}/SHA256SUMS`))).get(file)
  if (!expected) throw new CliError(`SHA256SUMS at ${folder} lists no ${file}; nothing was changed`)
  const archive = await download(`${folder}/${file}`)
  const actual = sha256(archive)
  if (actual !== expected) {
    throw new CliError(`checksum mismatch for ${file} (expected ${expected}, got ${actual}); nothing was changed`)
  }
  return unpack(archive, exe(target), target.os === "win32")
}
