// Stream names are URL paths under /v1/stream/ (Durable Streams clients address a stream by URL),
// so they are slash-separated segments of unreserved URL characters.
const NAME = /^[A-Za-z0-9_~.-]+(?:\/[A-Za-z0-9_~.-]+)*$/
const MAX_LENGTH = 256
// The Durable Streams control namespace (subscriptions live under /v1/stream/__ds/).
export const RESERVED = "__ds"

export function streamNameProblem(name: string): string | undefined {
  if (name.length === 0) return "a stream needs a name"
  if (name.length > MAX_LENGTH) return `stream names are at most ${MAX_LENGTH} characters`
  if (!NAME.test(name) || name.split("/").some((segment) => /^\.+$/.test(segment)))
    return `invalid stream name ${JSON.stringify(name)}: use letters, digits, . _ ~ - and / between segments`
  if (name === RESERVED || name.startsWith(`${RESERVED}/`)) return `${RESERVED}/ is reserved for the server's control routes`
  return undefined
}
