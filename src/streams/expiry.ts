// Stream lifetimes: Stream-TTL is a sliding window renewed by reads and writes (not HEAD);
// Stream-Expires-At is an absolute instant. Expired streams are removed when next touched.

export interface Lifetime {
  ttlSeconds?: number
  expiresAt?: string
}

/** Parses the creation headers; a string is the reason they are unusable. */
export function parseLifetime(ttl: string | null, expiresAt: string | null): Lifetime | string {
  if (ttl !== null && expiresAt !== null) return "give Stream-TTL or Stream-Expires-At, not both"
  if (ttl !== null) {
    // Plain decimal only: no sign, leading zeros, fraction or exponent.
    if (!/^(0|[1-9]\d{0,15})$/.test(ttl)) return `Stream-TTL must be a whole number of seconds, not ${JSON.stringify(ttl)}`
    return { ttlSeconds: Number(ttl) }
  }
  if (expiresAt !== null) {
    if (!/^\d{4}-\d{2}-\d{2}T/.test(expiresAt) || Number.isNaN(Date.parse(expiresAt)))
      return `Stream-Expires-At must be an RFC 3339 timestamp, not ${JSON.stringify(expiresAt)}`
    return { expiresAt }
  }
  return {}
}

export function isExpired(lifetime: Lifetime & { accessedAt: number }, now: number): boolean {
  if (lifetime.expiresAt !== undefined && !(Date.parse(lifetime.expiresAt) > now)) return true
  return lifetime.ttlSeconds !== undefined && lifetime.accessedAt + lifetime.ttlSeconds * 1000 <= now
}
