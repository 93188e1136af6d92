// Exit codes from SPEC: 0 success, 1 failure, 2 usage error, 3 "not running" (server status), 130 interrupted.
export const EXIT = { ok: 0, failure: 1, usage: 2, notRunning: 3, interrupted: 130 } as const

/** A failure the user should read as one line on stderr; `run` prints it and exits with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT.failure,
  ) {
    super(message)
  }
}
