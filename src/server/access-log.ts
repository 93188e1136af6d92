import type { MiddlewareHandler } from "hono"

interface RequestIpSource {
  requestIP?: (request: Request) => { address: string } | null
}

/**
 * One line per request in the daemon log: remote address, method, path, status and the time to
 * the response headers (a live read's line is written when it starts streaming, not when it ends).
 * It runs before the security check so refused requests are logged too.
 */
export function accessLog(): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now()
    // Before next(): a middleware may replace c.req.raw, and Bun knows only the original request's socket.
    const remote = (c.env as RequestIpSource | undefined)?.requestIP?.(c.req.raw)?.address ?? "-"
    await next()
    // The raw URL keeps the path percent-encoded, so a crafted name cannot forge log lines.
    const url = c.req.url
    const path = url.slice(url.indexOf("/", url.indexOf("//") + 2))
    const ms = (performance.now() - started).toFixed(1)
    console.info(`access ${remote} ${c.req.method} ${path} ${c.res.status} ${ms}ms`)
  }
}
