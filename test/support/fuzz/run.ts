import { abbreviate, type Case, type Fixtures, type RequestSpec } from "./cases.ts"

// Sends cases and judges the answers against what SPEC promises for bad input: never a 5xx,
// errors as `{ "error": { "code", "message" } }`, and nothing past the door without credentials.

export interface Outcome {
  status: number
  headers: Headers
  contentType: string | null
  body: string
}

// Only a hang trips this: no response at all, which is a failure to report, not a race to win.
const HANG_MS = 20_000

export async function send(origin: string, spec: RequestSpec): Promise<Outcome> {
  const response = await fetch(origin + spec.path, {
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    redirect: "manual",
    signal: AbortSignal.timeout(HANG_MS),
  })
  const contentType = response.headers.get("content-type")
  // A live SSE read never ends by itself; its status and headers are what is judged.
  if (contentType?.startsWith("text/event-stream")) {
    await response.body?.cancel()
    return { status: response.status, headers: response.headers, contentType, body: "" }
  }
  return { status: response.status, headers: response.headers, contentType, body: await response.text() }
}

const HEALTH_KEYS = ["healthy", "instanceId", "pid", "version"]

/** What is wrong with the outcome of a case, if anything. */
export function judge(c: Case, spec: RequestSpec, outcome: Outcome, fx: Fixtures): string | undefined {
  const { status, body } = outcome
  if (status >= 500) return `status ${status}`
  if (body.includes(fx.token)) return "the daemon's token is in the response"
  if (c.expect === "health") {
    if (status !== 200) return `/health answered ${status}`
    const keys = Object.keys(parseJson(body) ?? {}).sort()
    if (keys.join() !== HEALTH_KEYS.join()) return `/health told more than its identity: ${keys.join(", ")}`
    return undefined
  }
  if (c.expect === "session") {
    if (status !== 200) return `/v1/web/session answered ${status}`
    const answer = parseJson(body)
    if (answer?.authenticated !== false || Object.keys(answer).sort().join() !== "authenticated,passwordLogin")
      return `/v1/web/session told more than "not logged in": ${body}`
    return undefined
  }
  if (c.expect === "refused") {
    if (![401, 403, 421].includes(status)) return `a request without valid credentials got ${status}, not 401/403/421`
    if (body.includes(fx.marker)) return "a refused request saw stream data"
    const told = [...outcome.headers.keys()].filter((name) => /^(stream-|producer-|etag$|location$)/i.test(name))
    if (told.length) return `a refused request was told ${told.join(", ")}`
    if (spec.method === "HEAD") return undefined
    return errorShapeProblem(outcome) ?? undefined
  }
  if (spec.method !== "HEAD" && status >= 400 && body !== "") return errorShapeProblem(outcome)
  return undefined
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text)
    return value !== null && typeof value === "object" ? value : undefined
  } catch {
    return undefined
  }
}

function errorShapeProblem({ body, contentType }: Outcome): string | undefined {
  const value = parseJson(body)
  const error = value?.error as { code?: unknown; message?: unknown } | undefined
  if (!value || typeof error?.code !== "string" || typeof error.message !== "string")
    return 'the error body is not { "error": { "code", "message" } }'
  if (!contentType?.includes("json")) return `the JSON error is labelled ${contentType}`
  return undefined
}

/** One line that lets a person send the request again by hand (with their own token). */
export function describeRequest(spec: RequestSpec, token: string): string {
  const headers = spec.headers.map(([n, v]) => `${n}: ${abbreviate(v.replaceAll(token, "<token>"), 40)}`).join(" | ")
  let body = ""
  if (typeof spec.body === "string") body = ` body=${abbreviate(spec.body, 80)}`
  else if (spec.body) body = ` body=<${spec.body.length} bytes: ${abbreviate(Buffer.from(spec.body.subarray(0, 40)).toString("latin1"), 40)}>`
  return `${spec.method} ${abbreviate(spec.path, 120)} [${headers}]${body}`
}

/** Runs cases `concurrency` at a time; returns a report line per failure, and how often each status came back. */
export async function runCases(
  origin: string,
  cases: Case[],
  fx: Fixtures,
  concurrency: number,
): Promise<{ failures: string[]; statuses: Map<number, number> }> {
  const failures: string[] = []
  const statuses = new Map<number, number>()
  let next = 0
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++]!
      const spec = c.build(fx)
      let outcome: Outcome
      try {
        outcome = await send(origin, spec)
      } catch (error) {
        failures.push(`#${c.index} ${c.op} (${c.label})\n    ${describeRequest(spec, fx.token)}\n    → no response: ${(error as Error).message}`)
        continue
      }
      statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1)
      const problem = judge(c, spec, outcome, fx)
      if (problem)
        failures.push(
          `#${c.index} ${c.op} (${c.label}): ${problem}\n    ${describeRequest(spec, fx.token)}\n    → ${outcome.status} ${abbreviate(outcome.body, 200)}`,
        )
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { failures, statuses }
}
