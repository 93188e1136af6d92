import { isJson, mediaType, validContentType } from "../content-type.ts"
import { formatOffset } from "../offsets.ts"
import type { ProducerTuple } from "../producers.ts"
import type { AppendOutcome } from "../store.ts"
import { splitJson } from "./body.ts"
import { gone, H, notFound, problem, type ProtocolContext } from "./headers.ts"

const bad = (message: string) => problem({ status: 400, code: "invalid_request", message })

/** Producer-Id, -Epoch and -Seq: all three or none; a string says what is wrong with them. */
function parseProducer(headers: Headers): ProducerTuple | undefined | string {
  const id = headers.get(H.producerId)
  const epoch = headers.get(H.producerEpoch)
  const seq = headers.get(H.producerSeq)
  if (id === null && epoch === null && seq === null) return undefined
  if (id === null || epoch === null || seq === null) return `${H.producerId}, ${H.producerEpoch} and ${H.producerSeq} go together`
  if (id === "") return `${H.producerId} must not be empty`
  for (const [header, value] of [[H.producerEpoch, epoch], [H.producerSeq, seq]] as const)
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) return `${header} must be a whole number, not ${value}`
  return { id, epoch: Number(epoch), seq: Number(seq) }
}

/** POST: appends the body (JSON streams: each message of it), closes the stream with Stream-Closed. */
export async function appendToStream(ctx: ProtocolContext, request: Request, name: string): Promise<Response> {
  const producer = parseProducer(request.headers)
  if (typeof producer === "string") return bad(producer)
  const close = request.headers.get(H.closed) === "true"
  const contentType = request.headers.get("content-type") ?? undefined
  const body = new Uint8Array(await request.arrayBuffer())

  let messages: Uint8Array[] = []
  if (body.length === 0) {
    if (!close) return bad("an append needs a body (or Stream-Closed: true to close the stream)")
  } else {
    if (!validContentType(contentType ?? null)) return bad("an append needs a Content-Type")
    // Answer what can be answered before parsing the body; the commit checks it all again.
    const meta = await ctx.store.find(name)
    if (!meta) return notFound(name)
    if (meta.deleted) return gone(name)
    if (!meta.closed && mediaType(contentType) !== mediaType(meta.contentType)) return contentTypeMismatch(name, meta.contentType)
    const split = isJson(meta.contentType) && !meta.closed ? splitJson(body, false) : [body]
    if (typeof split === "string") return bad(split)
    messages = split
  }
  const outcome = await ctx.store.append(name, { contentType, messages, close, producer, writerSeq: request.headers.get(H.writerSeq) ?? undefined })
  return respond(name, outcome, producer, messages.length > 0)
}

const contentTypeMismatch = (name: string, contentType: string) =>
  problem({ status: 409, code: "content_type_mismatch", message: `stream ${name} holds ${contentType}` })

function respond(name: string, outcome: AppendOutcome, producer: ProducerTuple | undefined, withData: boolean): Response {
  const closed = { [H.closed]: "true" }
  switch (outcome.status) {
    case "appended": {
      const headers: Record<string, string> = { [H.nextOffset]: formatOffset(outcome.tail), ...(outcome.closed ? closed : {}) }
      if (!producer) return new Response(null, { status: 204, headers })
      headers[H.producerEpoch] = String(producer.epoch)
      headers[H.producerSeq] = String(producer.seq)
      return new Response(null, { status: withData ? 200 : 204, headers })
    }
    case "duplicate":
      return new Response(null, {
        status: 204,
        headers: {
          [H.producerEpoch]: String(producer!.epoch),
          [H.producerSeq]: String(outcome.lastSeq),
          ...(outcome.closed ? { ...closed, [H.nextOffset]: formatOffset(outcome.tail) } : {}),
        },
      })
    case "not_found":
      return notFound(name)
    case "gone":
      return gone(name)
    case "closed":
      return problem({
        status: 409,
        code: "stream_closed",
        message: `stream ${name} is closed`,
        headers: { ...closed, [H.nextOffset]: formatOffset(outcome.tail) },
      })
    case "content_type_mismatch":
      return contentTypeMismatch(name, outcome.contentType)
    case "writer_seq_conflict":
      return problem({ status: 409, code: "sequence_conflict", message: `${H.writerSeq} must sort after ${outcome.last}` })
    case "stale_epoch":
      return problem({
        status: 403,
        code: "stale_producer_epoch",
        message: `producer epoch ${producer!.epoch} is older than ${outcome.epoch}`,
        headers: { [H.producerEpoch]: String(outcome.epoch) },
      })
    case "invalid_epoch_seq":
      return bad(`a new producer epoch starts at ${H.producerSeq} 0`)
    case "sequence_gap":
      return problem({
        status: 409,
        code: "producer_sequence_gap",
        message: `expected ${H.producerSeq} ${outcome.expected}, got ${outcome.received}`,
        headers: { [H.producerExpectedSeq]: String(outcome.expected), [H.producerReceivedSeq]: String(outcome.received) },
      })
  }
}
