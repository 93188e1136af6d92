// Who hears about a committed change to a stream on this node: live readers of that stream
// (listeners, by stream id) and watchers of every stream (subscriptions, the web page). A
// per-stream count of changes lets a reader notice one that landed between its read and its wait.

type Listener = () => void
/** Hears about every stream: "changed" after data or a close commits, "deleted" when it goes. */
export type Watcher = (name: string, change: "changed" | "deleted") => void

export class Changes {
  readonly #listeners = new Map<number, Set<Listener>>()
  readonly #watchers = new Set<Watcher>()
  readonly #versions = new Map<number, number>()

  subscribe(streamId: number, listener: Listener): () => void {
    let set = this.#listeners.get(streamId)
    if (!set) this.#listeners.set(streamId, (set = new Set()))
    set.add(listener)
    return () => {
      set.delete(listener)
      if (set.size === 0 && this.#listeners.get(streamId) === set) this.#listeners.delete(streamId)
    }
  }

  watch(watcher: Watcher): () => void {
    this.#watchers.add(watcher)
    return () => this.#watchers.delete(watcher)
  }

  /** Moves on every change this node hears of; a reader takes it before reading. */
  version(streamId: number): number {
    return this.#versions.get(streamId) ?? 0
  }

  notify(streamId: number, name: string, change: "changed" | "deleted"): void {
    this.#versions.set(streamId, this.version(streamId) + 1)
    for (const listener of this.#listeners.get(streamId) ?? []) listener()
    for (const watcher of this.#watchers) watcher(name, change)
  }

  /** A stream that is gone for good: nobody will wait on it again (its count stays, for a reader that took it). */
  forget(streamId: number): void {
    this.#listeners.delete(streamId)
  }

  /** Tells the watchers (only) that the stream may have changed. */
  announce(name: string): void {
    for (const watcher of this.#watchers) watcher(name, "changed")
  }

  /**
   * Wakes every live reader, as if each stream had changed: after changes may have been missed
   * (notifications lost while the database connection was down), each re-reads from where it is.
   */
  wakeAll(): void {
    for (const [streamId, listeners] of this.#listeners) {
      this.#versions.set(streamId, this.version(streamId) + 1)
      for (const listener of listeners) listener()
    }
  }
}

/** What both stores tell live readers and watchers through: their Changes, behind StreamStore's methods. */
export abstract class ChangeFeed {
  protected readonly changes = new Changes()

  subscribe(streamId: number, listener: Listener): () => void {
    return this.changes.subscribe(streamId, listener)
  }

  version(streamId: number): number {
    return this.changes.version(streamId)
  }

  watch(watcher: Watcher): () => void {
    return this.changes.watch(watcher)
  }
}
