import type { StreamStore } from "../store.ts"

/**
 * Resolves true when the stream changes (append, close, delete) — at once if it changed since the
 * reader took `seen` from store.version — false after `ms` or on abort.
 */
export function waitForChange(store: StreamStore, streamId: number, seen: number, ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (changed: boolean) => {
      clearTimeout(timer)
      unsubscribe()
      signal.removeEventListener("abort", aborted)
      resolve(changed)
    }
    const aborted = () => done(false)
    const timer = setTimeout(() => done(false), ms)
    const unsubscribe = store.subscribe(streamId, () => done(true))
    if (store.version(streamId) !== seen) done(true)
    else if (signal.aborted) done(false)
    else signal.addEventListener("abort", aborted)
  })
}
