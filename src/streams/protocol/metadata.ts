import { formatOffset } from "../offsets.ts"
import { gone, H, notFound, streamHeaders, type ProtocolContext } from "./headers.ts"

/** HEAD: the stream's metadata; it does not renew a sliding TTL. */
export async function headStream(ctx: ProtocolContext, name: string): Promise<Response> {
  const meta = await ctx.store.find(name)
  // A HEAD response has no body, so the status alone says what is wrong.
  if (!meta) return new Response(null, { status: notFound(name).status })
  if (meta.deleted) return new Response(null, { status: gone(name).status })
  const headers = streamHeaders(meta)
  headers["Cache-Control"] = "no-store"
  headers.ETag = `"${meta.id}:-1:${formatOffset(meta.tailSeq)}${meta.closed ? ":c" : ""}"`
  if (meta.ttlSeconds !== undefined) headers[H.ttl] = String(meta.ttlSeconds)
  if (meta.expiresAt !== undefined) headers[H.expiresAt] = meta.expiresAt
  return new Response(null, { status: 200, headers })
}

/** DELETE: removes the stream; its history stays readable through forks made from it. */
export async function deleteStream(ctx: ProtocolContext, name: string): Promise<Response> {
  const meta = await ctx.store.find(name)
  if (!meta) return notFound(name)
  if (meta.deleted) return gone(name)
  await ctx.store.delete(name)
  return new Response(null, { status: 204 })
}
