// Waiting for something observable instead of sleeping for a guessed time.

/** Resolves with the first truthy value of `check`, polled every `everyMs`; fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  { timeoutMs = 30_000, everyMs = 50 } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await Bun.sleep(everyMs)
  }
}

// Zombie-aware: an exited daemon may wait a while for this machine's init to reap it.
export { isAlive } from "../../src/os/process.ts"
