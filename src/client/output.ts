// Results go to stdout, diagnostics to stderr; colour only on a terminal without NO_COLOR.

export const useColor = (stream: NodeJS.WriteStream = process.stdout) => stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== "dumb"

export const dim = (text: string) => (useColor() ? `\x1b[2m${text}\x1b[22m` : text)
export const bold = (text: string) => (useColor() ? `\x1b[1m${text}\x1b[22m` : text)

export function out(line = ""): void {
  process.stdout.write(line + "\n")
}

export function note(line: string): void {
  process.stderr.write(line + "\n")
}

/** A diagnostic in dim type (on a terminal): context the reader may skip. */
export function hint(line: string): void {
  note(useColor(process.stderr) ? `\x1b[2m${line}\x1b[22m` : line)
}

export function printJson(value: unknown): void {
  out(JSON.stringify(value, null, 2))
}

/** Left-aligned columns separated by two spaces; the header row is bold on a terminal. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd()
  out(bold(line(header)))
  for (const row of rows) out(line(row))
}

export function duration(ms: number): string {
  const s = Math.floor(ms / 1000)
  const parts: string[] = []
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d) parts.push(`${d}d`)
  if (h) parts.push(`${h}h`)
  if (m) parts.push(`${m}m`)
  parts.push(`${s % 60}s`)
  return parts.slice(0, 2).join(" ")
}
