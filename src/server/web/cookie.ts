// The session cookie. Cookies are not scoped by port, so two daemons on one host (or a daemon and
// whatever else runs on localhost) would overwrite each other's cookie under one name: the name
// carries the port the browser used.
const BASE = "iterate_session"

export function cookieName(host: string | undefined): string {
  const port = host?.match(/:(\d+)$/)?.[1]
  return port ? `${BASE}_${port}` : BASE
}

/** The session id in a Cookie header, for the daemon at `host`. */
export function readSessionCookie(header: string | undefined, host: string | undefined): string | undefined {
  if (!header) return undefined
  const name = cookieName(host)
  for (const pair of header.split(";")) {
    const at = pair.indexOf("=")
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim() || undefined
  }
  return undefined
}

/** Set-Cookie for a session: never readable by page JavaScript, never sent by another site's page. */
export function sessionCookie(host: string | undefined, id: string, expiresAt: number, secure: boolean): string {
  const attributes = [`${cookieName(host)}=${id}`, "Path=/", "HttpOnly", "SameSite=Strict", `Expires=${new Date(expiresAt).toUTCString()}`]
  if (secure) attributes.push("Secure")
  return attributes.join("; ")
}

export function clearedCookie(host: string | undefined, secure: boolean): string {
  return sessionCookie(host, "", 0, secure)
}
