// The page's door to the daemon: the generated SDK (the one the CLI uses) with the browser's
// session cookie, which the browser attaches by itself. The page never holds a token.
import { signal } from "@preact/signals"
import { client } from "../sdk/client.gen.ts"

// Every SDK call of the page goes to the origin that served it.
client.setConfig({ baseUrl: location.origin })
export { client }

/** set when the daemon answered 401: the page shows the login view */
export const loggedOut = signal(false)

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message)
  }
}

interface SdkResult<T> {
  data?: T
  error?: unknown
  response?: Response
}

/** The data of an SDK call, or an ApiError with the daemon's own message. */
export async function call<T>(pending: Promise<SdkResult<T>>): Promise<T> {
  const { data, error, response } = await pending
  if (response?.status === 401) loggedOut.value = true
  if (response?.ok && error === undefined) return data as T
  const message = (error as { error?: { message?: string } } | undefined)?.error?.message
  throw new ApiError(message ?? (response ? `the daemon answered ${response.status}` : `cannot reach the daemon: ${String(error)}`), response?.status)
}
