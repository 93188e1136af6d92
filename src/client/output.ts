// Where a command writes: results on stdout, diagnostics on stderr; colour only on a terminal
// without NO_COLOR. Commands get an Output rather than reaching for process.stdout (as gh's
// IOStreams): the process's own by default (systemOutput), a captured one when a test runs a
// command's work in process.

/** A stream a command writes to: process.stdout, process.stderr, or a test's buffer. */
export interface Writer {
  /** `done` once the chunk is written (or failed) */
  write(chunk: string | Uint8Array, done?: (error?: Error | null) => void): unknown
  readonly isTTY?: boolean
}

export class Output {
  constructor(
    readonly stdout: Writer,
    readonly stderr: Writer,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {}

  /** stdout is a terminal that takes colour */
  get color(): boolean {
    return this.terminal(this.stdout)
  }

  /** stderr is a terminal that takes colour and control sequences (hints, the spinner) */
  get errorColor(): boolean {
    return this.terminal(this.stderr)
  }

  private terminal(stream: Writer): boolean {
    return stream.isTTY === true && !this.env.NO_COLOR && this.env.TERM !== "dumb"
  }

  readonly dim = (text: string): string => (this.color ? `\x1b[2m${text}\x1b[22m` : text)
  readonly bold = (text: string): string => (this.color ? `\x1b[1m${text}\x1b[22m` : text)

  /** A piece of a result, as it is (streamed text, bytes of a stream). */
  readonly write = (chunk: string | Uint8Array): void => void this.stdout.write(chunk)

  /** One line of a result. */
  readonly out = (line = ""): void => void this.stdout.write(line + "\n")

  /** One line of diagnostics. */
  readonly note = (line: string): void => void this.stderr.write(line + "\n")

  /** A diagnostic in dim type (on a terminal): context the reader may skip. */
  readonly hint = (line: string): void => this.note(this.errorColor ? `\x1b[2m${line}\x1b[22m` : line)

  readonly printJson = (value: unknown): void => this.out(JSON.stringify(value, null, 2))

  /** Left-aligned columns separated by two spaces; the header row is bold on a terminal. */
  readonly printTable = (header: string[], rows: string[][]): void => {
    const [head, ...lines] = tableLines(header, rows)
    this.out(this.bold(head!))
    for (const line of lines) this.out(line)
  }
}

/** The header and rows as lines of left-aligned columns separated by two spaces. */
export function tableLines(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd()
  return [line(header), ...rows.map(line)]
}

let system: Output | undefined

/** The process's own stdout and stderr. */
export const systemOutput = (): Output => (system ??= new Output(process.stdout, process.stderr))

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
