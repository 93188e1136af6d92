// Which addresses `iterate serve` may bind without a password. Shared by the server, which refuses
// to start, and `iterate service install`, which refuses to write a unit that would crash-loop; it
// imports nothing so the CLI can use it without loading server code.

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"])

export const isLoopback = (hostname: string) => LOOPBACK.has(hostname) || hostname.startsWith("127.")

/** Why `hostname` may not be bound with this password, or undefined when it may. */
export function bindRefusal(hostname: string, password: string | undefined): string | undefined {
  if (isLoopback(hostname) || password) return undefined
  return `refusing to listen on ${hostname} without a password: set ITERATE_SERVER_PASSWORD (e.g. export ITERATE_SERVER_PASSWORD=$(openssl rand -hex 32)) or bind 127.0.0.1`
}
