import type { Output } from "./output.ts"

// A spinner on stderr for the waits a person notices: a daemon or a harness starting. Only on a
// terminal, never with NO_COLOR; it appears after a moment, so waits too short to notice show nothing.
const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
const SHOW_AFTER_MS = 150
const FRAME_MS = 80

export interface Spinner {
  /** clears the spinner's line; safe to call more than once */
  stop(): void
}

let silenced = false

/** No spinner for the rest of the process: `iterate acp` speaks a protocol, and its stderr lands in an editor's log. */
export function silenceSpinner(): void {
  silenced = true
}

export const spinnerAllowed = (io: Output) => !silenced && io.errorColor

export function spin(io: Output, text: string): Spinner {
  if (!spinnerAllowed(io)) return { stop() {} }
  let frame = 0
  let shown = false
  let interval: ReturnType<typeof setInterval> | undefined
  const draw = () => {
    io.stderr.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${text}`)
    shown = true
  }
  const delay = setTimeout(() => {
    draw()
    interval = setInterval(draw, FRAME_MS)
    interval.unref()
  }, SHOW_AFTER_MS)
  delay.unref()
  return {
    stop() {
      clearTimeout(delay)
      clearInterval(interval)
      if (shown) io.stderr.write("\r\x1b[2K")
      shown = false
    },
  }
}

/** `work` with a spinner saying `text` while it runs. */
export async function spinWhile<T>(io: Output, text: string, work: () => Promise<T>): Promise<T> {
  const spinner = spin(io, text)
  try {
    return await work()
  } finally {
    spinner.stop()
  }
}
