import type { Client } from "../sdk/client/index.ts"
import { resolvePaths, type Paths } from "../paths/index.ts"
import { VERSION } from "../version.ts"
import type { Output } from "./output.ts"
import { bearer, sdkClient } from "./sdk.ts"
import { findTrustedDaemon } from "../discovery/health.ts"
import { breakStaleLock, tryLock, unlock } from "../discovery/lock.ts"
import { findOwner } from "../discovery/owner.ts"
import { sleep } from "../os/process.ts"
import { ensurePrivateDir, type DaemonRecord } from "../discovery/record.ts"
import { spawnDaemon } from "./spawn.ts"
import { stopDaemon } from "./stop.ts"

export interface Connection {
  url: string
  client: Client
  /** set for the local daemon, absent for a remote --server */
  record?: DaemonRecord
  /** the remote's name when it is a named one (iterate remote) */
  name?: string
}

const LOCK_WAIT_MS = 30_000

/**
 * The auto-daemon protocol (SPEC): reuse the recorded daemon when it proves its identity and runs
 * this version; replace it when the version differs; otherwise start one under the spawn lock.
 * A daemon that owns the data folder while daemon.json does not name it (deleted, emptied,
 * overwritten) rewrites the record within a second or so: that is waited for, since any daemon
 * started meanwhile would be refused the folder. Any number of concurrent callers end up with the
 * same single daemon.
 */
export async function ensureDaemon(io: Output, paths: Paths = resolvePaths()): Promise<DaemonRecord> {
  const deadline = Date.now() + LOCK_WAIT_MS
  let announced = false
  for (;;) {
    const found = await findTrustedDaemon(paths.daemonRecord)
    if (found?.health.version === VERSION) return found.record
    if (found) {
      if (!announced) io.note(`iterate: restarting the daemon (it runs ${found.health.version}, this is ${VERSION})`)
      announced = true
      await stopDaemon(found.record)
      continue
    }
    const owner = await findOwner(paths)
    if (!owner) {
      ensurePrivateDir(paths.state)
      if (tryLock(paths.daemonLock)) {
        try {
          // Someone may have finished starting one between our check and the lock: the loop takes
          // it. A spawned daemon refused the folder by an owner not seen before gives undefined,
          // and the loop waits for that owner's record.
          const late = await findTrustedDaemon(paths.daemonRecord)
          const started = late ? undefined : await spawnDaemon(paths)
          if (started) return started
        } finally {
          unlock(paths.daemonLock)
        }
        continue
      }
      breakStaleLock(paths.daemonLock)
    }
    if (Date.now() > deadline) {
      if (owner)
        throw new Error(`the daemon that owns ${paths.data} (pid ${owner.owner.pid}) did not write ${paths.daemonRecord}; see its log: ${paths.daemonLog}`)
      throw new Error(`gave up waiting for another process to start the daemon (lock: ${paths.daemonLock})`)
    }
    await sleep(owner ? 50 : 10)
  }
}

export interface ConnectOptions {
  /** --server URL; falls back to ITERATE_SERVER_URL */
  server?: string
  /** for a remote: its credential instead of ITERATE_SERVER_PASSWORD */
  password?: string
  /** for a remote: the name it is stored under */
  name?: string
  env?: NodeJS.ProcessEnv
}

export function remoteTarget(options: ConnectOptions): string | undefined {
  return options.server ?? (options.env ?? process.env).ITERATE_SERVER_URL ?? undefined
}

/** A client for the daemon this command should talk to: a remote server, or the local daemon (started if needed). */
export async function connect(io: Output, options: ConnectOptions = {}): Promise<Connection> {
  const env = options.env ?? process.env
  return remoteConnection(options) ?? local(await ensureDaemon(io, resolvePaths(env)))
}

function remoteConnection(options: ConnectOptions): Connection | undefined {
  const remote = remoteTarget(options)
  if (!remote) return undefined
  const password = options.password ?? (options.env ?? process.env).ITERATE_SERVER_PASSWORD
  return { url: remote, client: sdkClient(remote, password ? bearer(password) : undefined), name: options.name }
}

const local = (record: DaemonRecord): Connection => ({ url: record.url, client: sdkClient(record.url, bearer(record.token)), record })

/** Like `connect`, but never starts a daemon: for reconnecting a live read after the daemon went away. */
export async function reconnect(options: ConnectOptions = {}): Promise<Connection | undefined> {
  const remote = remoteConnection(options)
  if (remote) return remote
  const found = await findTrustedDaemon(resolvePaths(options.env ?? process.env).daemonRecord)
  return found && local(found.record)
}
