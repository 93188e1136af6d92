import { createClient, type Client } from "../sdk/client/index.ts"

/** An SDK client for one daemon; without `authorization` it can only reach /health. */
export function sdkClient(url: string, authorization?: string): Client {
  return createClient({ baseUrl: url, headers: authorization ? { Authorization: authorization } : undefined })
}

export const bearer = (token: string) => `Bearer ${token}`
