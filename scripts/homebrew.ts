// Writes the Homebrew formula for a release from homebrew/iterate.rb.tmpl, with each url's sha256 taken
// from the release's SHA256SUMS. `bun scripts/build.ts --all` calls it; on its own:
//   bun scripts/homebrew.ts [--release dist/release] [--version V] [--url BASE] [--out dist/homebrew/iterate.rb]
import { mkdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { parseArgs } from "node:util"
import pkg from "../package.json" with { type: "json" }
import { parseSums } from "../src/cli/install/checksums.ts"
import { TARGETS, archiveName } from "../npm/iterate/lib/targets.js"

const root = new URL("..", import.meta.url).pathname

/** The GitHub release folder every archive of `version` is downloaded from. */
export function releaseUrl(version: string): string {
  return `${pkg.homepage}/releases/download/v${version}`
}

export function formula(template: string, version: string, baseUrl: string, sums: Map<string, string>): string {
  return template.replace(/\{\{(\w+)(?::([\w-]+))?\}\}/g, (placeholder, key: string, targetName?: string) => {
    if (key === "version") return version
    if (key === "homepage") return pkg.homepage
    const target = TARGETS.find((t) => t.name === targetName)
    if (!target) throw new Error(`unknown placeholder ${placeholder} in the formula template`)
    const file = archiveName(target)
    const sum = sums.get(file)
    if (!sum) throw new Error(`SHA256SUMS has no entry for ${file}, which the formula needs`)
    return key === "url" ? `${baseUrl}/${file}` : sum
  })
}

export async function writeFormula(releaseDir: string, version: string, baseUrl: string, out: string): Promise<void> {
  const template = await Bun.file(join(root, "homebrew/iterate.rb.tmpl")).text()
  const sums = parseSums(await Bun.file(join(releaseDir, "SHA256SUMS")).text())
  mkdirSync(dirname(out), { recursive: true })
  await Bun.write(out, formula(template, version, baseUrl, sums))
}

if (import.meta.main) {
  try {
    const { values } = parseArgs({
      options: {
        release: { type: "string", default: join(root, "dist/release") },
        version: { type: "string", default: pkg.version },
        url: { type: "string" },
        out: { type: "string", default: join(root, "dist/homebrew/iterate.rb") },
      },
    })
    await writeFormula(values.release, values.version, values.url ?? releaseUrl(values.version), values.out)
  } catch (error) {
    process.stderr.write(`homebrew: ${(error as Error).message}\n`)
    process.exit(1)
  }
}
