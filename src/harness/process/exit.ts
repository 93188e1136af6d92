// How a harness process ended, in the words the crash reports and errors use.
export interface ProcessExit {
  code: number | null
  signal: string | null
  /** The line of its stderr that says why, as the harness's own rule picks it. */
  said: string | undefined
}

/** e.g. "code 1: ENOTDIR: not a directory, mkdir …" or "signal SIGKILL". */
export function describeExit(exit: ProcessExit): string {
  return `${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}${exit.said ? `: ${exit.said}` : ""}`
}
