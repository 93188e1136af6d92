import { randomBytes, randomUUID } from "node:crypto"
import { mkdirSync } from "node:fs"
import { homedir, networkInterfaces } from "node:os"
import { dirname, join } from "node:path"
import { Agents } from "../agents/agents.ts"
import { Batches } from "../agents/batch/batches.ts"
import { type Config, readConfig, storeOf } from "../config/index.ts"
import { bindRefusal, isLoopback } from "../discovery/bind.ts"
import { findTrustedDaemon } from "../discovery/health.ts"
import type { ServiceManager } from "../discovery/record.ts"
import { resolvePaths } from "../paths/index.ts"
import { startWatchdog } from "../harness/process/watchdog.ts"
import { isPostgresUrl } from "../store-url.ts"
import { openStores } from "./stores.ts"
import { wakeTokenRoute } from "../streams/subscriptions/control.ts"
import { Subscriptions } from "../streams/subscriptions/manager.ts"
import { VERSION } from "../version.ts"
import { type AppOptions, createApp } from "./app.ts"
import type { DaemonContext } from "./context.ts"
import { logToFile, logToTerminal } from "./log.ts"
import { claimDataFolder } from "./ownership.ts"
import { isPublicWebRequest } from "./web/pages.ts"
import { WebSessions } from "./web/sessions.ts"
import { webRoots } from "./web/state.ts"

export interface ServeOptions {
  port: number
  hostname: string
  cors: string[]
  /** the URL clients reach this server by through a proxy or DNS name; its host is allowed */
  publicUrl?: string
  /** extra Host names accepted on any port (a DNS name or proxy in front of a remote server) */
  allowedHosts: string[]
  maxBodySize: number
  /** seconds a connection may stay silent before it is closed */
  idleTimeoutS: number
  longPollTimeoutMs: number
  logFile?: string
  /** a postgres:// URL to keep streams and subscriptions in (shared with other nodes); SQLite in the data folder when absent */
  store?: string
  /** the folders under which this node runs agents (--root); config.json's node.roots, else the home folder, when empty */
  roots: string[]
}

const STOP_GRACE_MS = 5_000

const hostPort = (host: string, port: number) => `${host.includes(":") ? `[${host}]` : host}:${port}`.toLowerCase()

/**
 * The Host header values this server answers to: the bound address (loopback names for a loopback
 * bind, every interface for a wildcard bind), and the public URL's host with and without its port.
 */
function allowedHosts(hostname: string, port: number, publicUrl: string | undefined): Set<string> {
  const names = new Set<string>([hostname])
  if (isLoopback(hostname)) ["127.0.0.1", "localhost", "::1"].forEach((n) => names.add(n))
  if (hostname === "0.0.0.0" || hostname === "::") {
    ;["127.0.0.1", "localhost", "::1"].forEach((n) => names.add(n))
    for (const addresses of Object.values(networkInterfaces())) for (const a of addresses ?? []) names.add(a.address)
  }
  const hosts = new Set([...names].map((name) => hostPort(name, port)))
  if (publicUrl) {
    const url = new URL(publicUrl)
    // URL.host drops a default port; a proxy may forward either form.
    hosts.add(url.host.toLowerCase())
    hosts.add(`${url.hostname}:${url.port || (url.protocol === "https:" ? 443 : 80)}`.toLowerCase())
  }
  return hosts
}

/** The service manager that runs this daemon, as the unit or plist `iterate service` wrote says. */
const serviceManager = (value: string | undefined): ServiceManager | undefined =>
  value === "systemd" || value === "launchd" ? value : undefined

/** Runs the daemon in this process until it is shut down (route, SIGINT or SIGTERM). */
export async function serve(options: ServeOptions): Promise<void> {
  const env = process.env
  const password = env.ITERATE_SERVER_PASSWORD || undefined
  const refusal = bindRefusal(options.hostname, password)
  if (refusal) throw new Error(refusal)

  const paths = resolvePaths(env)
  const running = await findTrustedDaemon(paths.daemonRecord)
  if (running)
    throw new Error(`a daemon is already running at ${running.record.url} (pid ${running.record.pid}); stop it with: iterate server stop`)

  const instanceId = randomUUID()
  const startedAt = new Date()
  const service = serviceManager(env.ITERATE_SERVICE)
  const ownership = await claimDataFolder(paths, { pid: process.pid, version: VERSION, instanceId, startedAt: startedAt.toISOString(), service })
  if (options.logFile) {
    // A service keeps its log under the state folder, which may have been removed since it was installed.
    mkdirSync(dirname(options.logFile), { recursive: true, mode: 0o700 })
    logToFile(options.logFile)
  } else logToTerminal()

  // A broken config file leaves the streams working; the harnesses report it until it is fixed.
  let config: Config = {}
  let configProblem: string | undefined
  try {
    config = readConfig(paths.configFile)
  } catch (error) {
    configProblem = (error as Error).message
    console.error(configProblem)
  }
  // --store (or ITERATE_STORE_URL), else config.json's `store`; a node does not start on a store it
  // cannot reach. Nor on SQLite because a bad config hid the `store` it names: that would split a fleet.
  const storeUrl = options.store ?? (configProblem ? storeOf(paths.configFile) : config.store)
  if (storeUrl !== undefined && (typeof storeUrl !== "string" || !isPostgresUrl(storeUrl)))
    throw new Error(`store in ${paths.configFile} must be a postgres:// URL`)
  // The harness processes this daemon starts (and the agents' shell commands) must not inherit the database's password.
  delete env.ITERATE_STORE_URL
  // Before anything is started: every process this daemon starts carries its mark from now on.
  const watchdog = startWatchdog(env)
  const stores = await openStores(paths.data, storeUrl, { leaseTtlMs: config.node?.leaseTtlMs })
  console.log(`store: ${stores.where}`)
  const store = stores.streams
  const agents = new Agents({
    store: stores.agents,
    fleet: stores.fleet,
    logDir: paths.logDir,
    dataDir: join(paths.data, "harnesses"),
    worktreesDir: join(paths.data, "worktrees"),
    streams: store,
    config: config.harnesses,
    configProblem,
    index: stores.index,
    budgetUsd: config.agents?.budgetUsd,
  })
  const batches = new Batches({ store: stores.batches, agents, streams: store, fleet: stores.fleet })
  const token = randomBytes(32).toString("base64url")
  let url = ""
  const closing = new AbortController()
  let stopping: Promise<void> | undefined
  let resolveDone!: () => void
  const done = new Promise<void>((resolve) => (resolveDone = resolve))

  const webSessions = new WebSessions(join(paths.data, "web.db"))
  const subscriptions = await Subscriptions.open(store, stores.subscriptions, () => url)
  const ctx: DaemonContext = {
    store,
    subscriptions,
    agents,
    batches,
    web: { sessions: webSessions, password, publicUrl: options.publicUrl, roots: webRoots(config), home: env.HOME || homedir() },
    version: VERSION,
    instanceId,
    pid: process.pid,
    startedAt,
    url: () => url,
    longPollTimeoutMs: options.longPollTimeoutMs,
    keepOpen: (request) => server.timeout(request, 0),
    closing: closing.signal,
    // Let the shutdown response leave before the listener closes.
    shutdown: () => void setTimeout(() => void stop("shutdown requested"), 10),
  }

  const security: AppOptions = {
    maxBodySize: options.maxBodySize,
    credentials: { token, password, username: env.ITERATE_SERVER_USERNAME || "iterate" },
    hosts: new Set(),
    hostNames: new Set(options.allowedHosts.map((h) => h.toLowerCase())),
    corsOrigins: new Set(options.cors),
    // A subscription's wake token lets its webhook receiver or worker acknowledge, and nothing else.
    scopedToken: (pathname, token) => {
      const subscription = wakeTokenRoute(pathname)
      return subscription !== undefined && subscriptions.issuedFor(subscription, token)
    },
    session: (id) => webSessions.check(id) !== undefined,
    isPublic: isPublicWebRequest,
  }
  const app = createApp(ctx, security)
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    fetch: app.fetch,
    idleTimeout: options.idleTimeoutS,
    // Above the app's own limit, which answers with a JSON 413; this only stops bodies nobody reads.
    maxRequestBodySize: options.maxBodySize + 1024 * 1024,
  })
  const port = server.port!
  for (const host of allowedHosts(options.hostname, port, options.publicUrl)) security.hosts.add(host)
  url = `http://${hostPort(options.hostname, port)}`
  const roots = options.roots.length > 0 ? options.roots : (config.node?.roots ?? [env.HOME || homedir()])
  try {
    await agents.start({ url: options.publicUrl ?? url, roots, version: VERSION, startedAt: startedAt.toISOString() })
    await batches.start()
  } catch (error) {
    await server.stop(true)
    await agents.stop().catch(() => {})
    await stores.close().catch(() => {})
    ownership.release()
    throw error
  }

  const stop = (reason: string) =>
    (stopping ??= (async () => {
      console.log(`stopping: ${reason}`)
      const started = performance.now()
      ownership.withdraw()
      closing.abort()
      // Stop listening, let in-flight requests finish (live reads were just ended), then close
      // idle keep-alive sockets, which a plain graceful stop would wait out. A stalled client is cut off.
      void server.stop()
      const deadline = Date.now() + STOP_GRACE_MS
      while (server.pendingRequests > 0 && Date.now() < deadline) await Bun.sleep(5)
      await server.stop(true)
      subscriptions.close()
      webSessions.close()
      // Before the agents: their turns end as interrupted, which a batch still following would take as its own to retry.
      await batches.stop()
      await agents.stop()
      watchdog.end()
      await stores.close()
      ownership.release()
      console.log(`stopped in ${Math.round(performance.now() - started)} ms`)
      resolveDone()
    })())

  process.on("SIGINT", () => void stop("SIGINT"))
  process.on("SIGTERM", () => void stop("SIGTERM"))
  process.on("uncaughtException", (error) => console.error("uncaught exception:", error))
  process.on("unhandledRejection", (error) => console.error("unhandled rejection:", error))
  // Past a file-size limit (ulimit -f) a write fails with EFBIG and the kernel sends SIGXFSZ, whose
  // default kills the process; the failed write is answered like a full disk instead.
  if (process.platform !== "win32") process.on("SIGXFSZ", () => {})

  ownership.announce({
    pid: process.pid,
    port,
    hostname: options.hostname,
    url,
    version: VERSION,
    instanceId,
    token,
    startedAt: startedAt.toISOString(),
    service,
  })
  console.log(`iterate ${VERSION} listening on ${url}${options.publicUrl ? ` (public URL ${options.publicUrl})` : ""} (pid ${process.pid})`)
  await done
}
