// SHA256SUMS in the format `sha256sum -c` reads: one `<hex>  <file name>` line per release file.

export function sha256(data: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(data).digest("hex")
}

export function formatSums(sums: Map<string, string>): string {
  return [...sums].map(([name, hex]) => `${hex}  ${name}\n`).join("")
}

export function parseSums(text: string): Map<string, string> {
  const sums = new Map<string, string>()
  for (const line of text.split("\n")) {
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim())
    if (match) sums.set(match[2]!, match[1]!)
  }
  return sums
}
