// What a stream's content type means to the protocol: JSON mode for application/json, text for
// SSE (everything else travels base64 in SSE), and which types count as the same.

export const DEFAULT_CONTENT_TYPE = "application/octet-stream"

/** The media type alone, lowercased: `Text/Plain; charset=utf-8` → `text/plain`. */
export function mediaType(contentType: string | null | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase()
}

export function isJson(contentType: string): boolean {
  return mediaType(contentType) === "application/json"
}

export function isText(contentType: string): boolean {
  const type = mediaType(contentType)
  return type.startsWith("text/") || type === "application/json" || type.endsWith("+json")
}

/** A usable Content-Type header value (`type/subtype[; params]`), or undefined. */
export function validContentType(value: string | null): string | undefined {
  const trimmed = value?.trim()
  return trimmed && /^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/.test(trimmed) ? trimmed : undefined
}
