import { createHash, timingSafeEqual } from "node:crypto"
import type { MiddlewareHandler } from "hono"
import { errorResponse } from "../protocol/errors.ts"
import { readSessionCookie } from "./web/cookie.ts"

declare module "hono" {
  interface ContextVariableMap {
    /** the web UI session whose cookie authorized this request (absent when a token or password did) */
    webSession?: string
  }
}

export interface Credentials {
  /** the random token from daemon.json; always accepted */
  token: string
  /** ITERATE_SERVER_PASSWORD, when set; accepted as a bearer token or via Basic auth */
  password?: string
  username: string
}

export interface SecurityOptions {
  credentials: Credentials
  /** exact `host:port` values (lowercase) the Host header may carry */
  hosts: Set<string>
  /** host names accepted on any port (`--allowed-host`, for proxies and DNS names) */
  hostNames: Set<string>
  /** origins allowed to make cross-origin requests (`--cors`); never a wildcard */
  corsOrigins: Set<string>
  /** whether a bearer token that is not the daemon's authorizes this one path */
  scopedToken?: (pathname: string, token: string) => boolean
  /** whether a web UI session id (from its cookie) is valid; without it cookies count for nothing */
  session?: (id: string) => boolean
  /** requests besides /health that need no credentials: the web UI's static files and its login */
  isPublic?: (method: string, path: string) => boolean
}

// Browsers read these from cross-origin stream reads; everything else stays hidden.
const EXPOSED_HEADERS = [
  "Stream-Next-Offset",
  "Stream-Up-To-Date",
  "Stream-Cursor",
  "Stream-Closed",
  "Stream-TTL",
  "Stream-Expires-At",
  "Stream-SSE-Data-Encoding",
  "Producer-Epoch",
  "Producer-Seq",
  "Producer-Expected-Seq",
  "Producer-Received-Seq",
  "ETag",
  "Location",
].join(", ")

const SAFE_METHODS = new Set(["GET", "HEAD"])

const digest = (value: string) => createHash("sha256").update(value).digest()

/** Equal-length digests make the comparison constant-time whatever the inputs' lengths. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b))
}

export function authorized(header: string | undefined, credentials: Credentials): boolean {
  if (!header) return false
  const space = header.indexOf(" ")
  const scheme = header.slice(0, space).toLowerCase()
  const value = header.slice(space + 1).trim()
  if (scheme === "bearer") {
    // Evaluate both comparisons so timing does not tell which secret came close.
    const token = safeEqual(value, credentials.token)
    const password = credentials.password !== undefined && safeEqual(value, credentials.password)
    return token || password
  }
  if (scheme === "basic" && credentials.password !== undefined) {
    const decoded = Buffer.from(value, "base64").toString("utf8")
    const colon = decoded.indexOf(":")
    if (colon < 0) return false
    const user = safeEqual(decoded.slice(0, colon), credentials.username)
    const password = safeEqual(decoded.slice(colon + 1), credentials.password)
    return user && password
  }
  return false
}

function hostAllowed(host: string | undefined, options: SecurityOptions): boolean {
  if (!host) return false
  const lower = host.toLowerCase()
  if (options.hosts.has(lower)) return true
  const name = lower.startsWith("[") ? lower.slice(0, lower.indexOf("]") + 1) : lower.split(":")[0]!
  return options.hostNames.has(name)
}

// On every response: no MIME sniffing, and no embedding by other sites (fetch with CORS still works).
const BROWSER_HEADERS = { "X-Content-Type-Options": "nosniff", "Cross-Origin-Resource-Policy": "same-origin" }

function guarded(response: Response): Response {
  for (const [name, value] of Object.entries(BROWSER_HEADERS)) response.headers.set(name, value)
  return response
}

/**
 * Host check (against DNS rebinding), Origin allowlist with CORS for allowed origins only, and
 * authentication on every route but /health. Runs before any route.
 */
export function security(options: SecurityOptions): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header("host")
    if (!hostAllowed(host, options))
      return guarded(errorResponse(421, "host_not_allowed", `Host ${host ?? "(none)"} is not an address this server answers on`))

    const origin = c.req.header("origin")
    const sameOrigin = origin !== undefined && (origin === `http://${host}` || origin === `https://${host}`)
    const crossOrigin = origin !== undefined && !sameOrigin
    if (crossOrigin && !options.corsOrigins.has(origin))
      return guarded(
        errorResponse(403, "origin_not_allowed", `Origin ${origin} is not allowed; start the server with --cors ${origin} to allow it`),
      )

    // Browsers mark what another site's page makes them send, with or without an Origin (an <img>,
    // a <script>, a link). Refusing it keeps a browser's remembered Basic credentials from working
    // for other sites. Two ports of one host are the same site, hence same-site too.
    const fetchSite = c.req.header("sec-fetch-site")
    if ((fetchSite === "cross-site" || fetchSite === "same-site") && !(origin !== undefined && options.corsOrigins.has(origin)))
      return guarded(errorResponse(403, "cross_site_refused", "requests from another site's page are refused; see --cors"))

    if (crossOrigin && c.req.method === "OPTIONS") {
      // Preflights carry no credentials, so they are answered before authentication.
      return guarded(
        new Response(null, {
          status: 204,
          headers: {
            "Access-Control-Allow-Origin": origin,
            Vary: "Origin",
            "Access-Control-Allow-Methods": "GET, HEAD, POST, PUT, DELETE, OPTIONS",
            "Access-Control-Allow-Headers": c.req.header("access-control-request-headers") ?? "authorization, content-type",
            "Access-Control-Max-Age": "600",
          },
        }),
      )
    }

    const authorization = c.req.header("authorization")
    const bearer = authorization?.match(/^Bearer (\S+)$/i)?.[1]
    const bySecret =
      authorized(authorization, options.credentials) ||
      (bearer !== undefined && options.scopedToken?.(new URL(c.req.url).pathname, bearer) === true)
    // A session cookie counts only on requests from the daemon's own pages (a browser sends it to
    // every port of the host, whatever page asks), and a state-changing one must name this
    // origin: SameSite=Strict alone still lets a page on another port of the same host through.
    const session = bySecret ? undefined : readSessionCookie(c.req.header("cookie"), host)
    const ownPage = !crossOrigin && (fetchSite === undefined || fetchSite === "same-origin" || fetchSite === "none")
    const bySession =
      session !== undefined && ownPage && (SAFE_METHODS.has(c.req.method) || sameOrigin) && options.session?.(session) === true
    if (bySession) c.set("webSession", session)
    if (c.req.path === "/health" || bySecret || bySession || options.isPublic?.(c.req.method, c.req.path)) await next()
    else
      c.res = errorResponse(401, "unauthorized", "missing or wrong credentials", { "WWW-Authenticate": 'Bearer realm="iterate"' })

    c.res = guarded(c.res)
    if (crossOrigin) {
      c.res.headers.set("Access-Control-Allow-Origin", origin)
      c.res.headers.append("Vary", "Origin")
      c.res.headers.set("Access-Control-Expose-Headers", EXPOSED_HEADERS)
    }
  }
}
