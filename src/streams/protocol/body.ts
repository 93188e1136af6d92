import { nestedTooDeep, TOO_DEEP } from "../json-depth.ts"
import type { StoredMessage } from "../store.ts"

// JSON mode: a body is one message, or an array whose elements are the messages (one level of
// flattening); reads return all messages as one JSON array.

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const COMMA = 0x2c

/** The messages of a JSON body, re-serialised compactly, or why the body is unusable. */
export function splitJson(body: Uint8Array, allowEmpty: boolean): Uint8Array[] | string {
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(body))
  } catch {
    return "the body is not valid JSON"
  }
  if (nestedTooDeep(value)) return TOO_DEEP
  const items = Array.isArray(value) ? value : [value]
  if (items.length === 0 && !allowEmpty) return "an empty JSON array appends nothing"
  return items.map((item) => encoder.encode(JSON.stringify(item)))
}

/** A read's body: a JSON array of the messages for JSON streams, their bytes back to back otherwise. */
export function joinMessages(json: boolean, messages: StoredMessage[]): Uint8Array<ArrayBuffer> {
  if (!json && messages.length === 1) return messages[0]!.data
  let size = json ? Math.max(1, messages.length) + 1 : 0
  for (const m of messages) size += m.data.length
  const out = new Uint8Array(size)
  let at = 0
  if (json) out[at++] = 0x5b // [
  messages.forEach((m, i) => {
    if (json && i > 0) out[at++] = COMMA
    out.set(m.data, at)
    at += m.data.length
  })
  if (json) out[at++] = 0x5d // ]
  return out
}
