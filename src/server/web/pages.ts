// The web UI's own routes, outside the API: the HTML shell for every page's URL (deep links
// included), the hashed assets, and the login (a one-time code from `iterate web`, or the
// server password). The shell and assets are public: they are the same static files for
// everyone and hold no secret; every piece of data behind them needs a session.
import { Hono, type Context } from "hono"
import { safeEqual } from "../security.ts"
import type { DaemonContext } from "../context.ts"
import { errorBody } from "../../protocol/errors.ts"
import { type Asset, webAssets } from "./assets.ts"
import { sessionCookie } from "./cookie.ts"
import type { Session } from "./sessions.ts"

// Only the daemon's own origin, no inline script or style, never inside a frame.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ")

// same-origin, not no-referrer: with no-referrer a form post carries `Origin: null`, which the
// daemon refuses like any unknown origin.
const PAGE_HEADERS = { "Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin" }

/** URLs of the single-page app's views: each answers with the shell. */
const PAGES = /^\/(?:agents(?:\/[^/]+(?:\/changes)?)?|batches(?:\/[^/]+)?|streams(?:\/.+)?|search|login)?$/
/** a file at the top level, as the bundler names them (chunk-r41pdjsg.js) */
const ASSET = /^\/[\w.-]+\.[a-z0-9]+$/

/** What needs no credentials: reading the shell and the assets, asking whether one is logged in, and logging in. */
export function isPublicWebRequest(method: string, path: string): boolean {
  if (method === "GET" || method === "HEAD") return PAGES.test(path) || ASSET.test(path) || path === "/v1/web/session"
  return method === "POST" && path === "/login"
}

function send(c: Context, asset: Asset, cacheControl: string): Response {
  const headers: Record<string, string> = {
    ...PAGE_HEADERS,
    "Content-Type": asset.type,
    "Cache-Control": cacheControl,
    ETag: asset.etag,
    Vary: "Accept-Encoding",
  }
  if (c.req.header("if-none-match") === asset.etag) return new Response(null, { status: 304, headers })
  const gzip = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "")
  if (gzip) headers["Content-Encoding"] = "gzip"
  return new Response(gzip ? asset.gzip : asset.body, { headers })
}

const shell = async (c: Context) => send(c, (await webAssets()).shell, "no-cache")

/** A path on this server to go to after login; anything else (another host, `//evil`) becomes `/`. */
export function landing(next: string | undefined): string {
  return next && /^\/(?![/\\])/.test(next) && next.length <= 2000 ? next : "/"
}

export function webPages(ctx: DaemonContext): Hono {
  const { web } = ctx
  const app = new Hono()
  const secure = (c: Context) => {
    if (new URL(c.req.url).protocol === "https:") return true
    const publicUrl = web.publicUrl ? new URL(web.publicUrl) : undefined
    return publicUrl?.protocol === "https:" && publicUrl.host === c.req.header("host")?.toLowerCase()
  }
  const redirect = (location: string, cookie?: string) =>
    new Response(null, {
      status: 303,
      headers: { Location: location, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", ...(cookie && { "Set-Cookie": cookie }) },
    })
  const loggedIn = (c: Context, session: Session, next: string) =>
    redirect(landing(next), sessionCookie(c.req.header("host"), session.id, session.expiresAt, secure(c)))

  app.get("/login", async (c) => {
    const code = c.req.query("code")
    if (code === undefined) return shell(c)
    // The code leaves the address bar at once, whether it worked or not.
    const redeemed = web.sessions.redeem(code)
    return redeemed ? loggedIn(c, redeemed.session, redeemed.next) : redirect("/login?failed=code")
  })

  app.post("/login", async (c) => {
    // A login form posted by another site's page would log the browser into this server unasked.
    const host = c.req.header("host")
    const origin = c.req.header("origin")
    if (origin !== `http://${host}` && origin !== `https://${host}`)
      return c.json(errorBody("origin_required", "log in from this server's own login page"), 403)
    const form = await c.req.parseBody()
    const next = typeof form.next === "string" ? form.next : undefined
    const again = (failed: string) => redirect(`/login?failed=${failed}${next ? `&next=${encodeURIComponent(landing(next))}` : ""}`)
    if (web.password === undefined) return again("no-password")
    const password = typeof form.password === "string" ? form.password : ""
    if (!safeEqual(password, web.password)) {
      // Slows down guessing; the answer is the login page again, never a browser's Basic prompt.
      await Bun.sleep(500)
      return again("password")
    }
    return loggedIn(c, web.sessions.create(), next ?? "/")
  })

  app.get("*", async (c, next) => {
    const path = c.req.path
    if (PAGES.test(path)) return shell(c)
    if (!ASSET.test(path)) return next()
    const asset = (await webAssets()).files.get(path)
    if (!asset) return c.json(errorBody("not_found", `no file ${path}`), 404)
    return send(c, asset, "public, max-age=31536000, immutable")
  })
  return app
}
