import { isIP } from "node:net"

// Where the daemon may POST wake notifications: https anywhere public, plain http only to this
// machine (a local receiver), never to private or link-local networks it might reach from inside.

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3})$/

function privateIpv4(host: string): boolean {
  const [a, b] = host.split(".").map(Number) as [number, number]
  return a === 10 || a === 127 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)
}

/** Why the daemon will not call this webhook URL, if it will not. */
export function webhookUrlProblem(raw: string): string | undefined {
  if (!URL.canParse(raw)) return "webhook.url must be a URL"
  const url = new URL(raw)
  const host = url.hostname.toLowerCase()
  if (url.protocol === "http:") return LOOPBACK.test(host) ? undefined : "plain http webhooks may only call this machine (localhost, 127.x)"
  if (url.protocol !== "https:") return "webhook.url must be https (or http to localhost)"
  if (host === "localhost" || (isIP(host) === 4 && privateIpv4(host))) return "webhook.url must not point into a private network"
  if (host.startsWith("[")) return "webhook.url must name its host, not an IPv6 address"
  return undefined
}
