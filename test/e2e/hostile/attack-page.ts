// The page a hostile web site would serve: plain browser JavaScript, kept as text so that it runs
// exactly as written in Chromium. It throws everything a page can at the daemon named in ?target=
// and puts what it could observe into window.results; window.done turns true when all settled.

export interface Attempt {
  name: string
  /** the request the page tried to make, as "METHOD /path" */
  request: string
  /**
   * response: fetch gave a Response; rejected: fetch threw; load/error: an element's event;
   * message: an SSE or WebSocket message; open: a WebSocket opened; queued: a beacon went out
   */
  outcome: "response" | "rejected" | "load" | "error" | "message" | "open" | "queued"
  type?: string
  status?: number
  /** whatever the page could read: the body, the framed document's text, the SSE data, or the error */
  body?: string | null
}

declare global {
  interface Window {
    results: Attempt[]
    done: boolean
  }
}

const script = String.raw`
const target = new URL(location.href).searchParams.get("target")
const results = (window.results = [])

async function tryFetch(name, path, init = {}) {
  const request = (init.method ?? "GET") + " " + path
  try {
    const response = await fetch(target + path, init)
    let body
    try { body = await response.text() } catch (error) { body = "unreadable: " + error }
    results.push({ name, request, outcome: "response", type: response.type, status: response.status, body })
  } catch (error) {
    results.push({ name, request, outcome: "rejected", body: String(error) })
  }
}

function tryElement(name, tag, path) {
  return new Promise((resolve) => {
    const element = document.createElement(tag)
    element.onload = () => { results.push({ name, request: "GET " + path, outcome: "load" }); resolve() }
    element.onerror = () => { results.push({ name, request: "GET " + path, outcome: "error" }); resolve() }
    element.src = target + path
    document.body.append(element)
  })
}

// A classic CSRF: a form posted into a hidden frame. text/plain lets the body look like JSON.
function tryForm(name, path, field, value) {
  return new Promise((resolve) => {
    const frame = document.createElement("iframe")
    frame.name = "sink-" + name
    document.body.append(frame)
    frame.addEventListener("load", () => {
      let body
      try { body = frame.contentDocument ? frame.contentDocument.documentElement.innerText : null } catch (error) { body = "unreadable: " + error }
      results.push({ name, request: "POST " + path, outcome: "load", body })
      resolve()
    }, { once: true })
    const form = document.createElement("form")
    form.method = "POST"
    form.enctype = "text/plain"
    form.action = target + path
    form.target = frame.name
    const input = document.createElement("input")
    input.name = field
    input.value = value
    form.append(input)
    document.body.append(form)
    form.submit()
  })
}

function tryEventSource(name, path, withCredentials = false) {
  return new Promise((resolve) => {
    const source = new EventSource(target + path, { withCredentials })
    const request = "GET " + path
    source.onmessage = (event) => { results.push({ name, request, outcome: "message", body: event.data }); source.close(); resolve() }
    source.onerror = () => { results.push({ name, request, outcome: "error" }); source.close(); resolve() }
  })
}

function tryWebSocket(name, path) {
  return new Promise((resolve) => {
    const request = "GET " + path
    const socket = new WebSocket(target.replace(/^http/, "ws") + path)
    socket.onopen = () => { results.push({ name, request, outcome: "open" }); socket.close(); resolve() }
    socket.onerror = () => { results.push({ name, request, outcome: "error" }); resolve() }
  })
}

// Fire and forget: the page never sees an answer, only the daemon's state can tell.
function tryBeacon(name, path, body) {
  results.push({ name, request: "POST " + path, outcome: "queued", body: String(navigator.sendBeacon(target + path, body)) })
}

// A sandboxed frame has the opaque origin "null", which a careless allowlist lets through.
function tryNullOrigin(name, path) {
  return new Promise((resolve) => {
    const frame = document.createElement("iframe")
    frame.sandbox = "allow-scripts"
    const onMessage = (event) => {
      if (event.source !== frame.contentWindow) return
      window.removeEventListener("message", onMessage)
      results.push({ name, request: "POST " + path, ...event.data })
      resolve()
    }
    window.addEventListener("message", onMessage)
    frame.srcdoc = "<script>fetch(" + JSON.stringify(target + path) + ", { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'attacker wrote this' })" +
      ".then(async (r) => parent.postMessage({ outcome: 'response', type: r.type, status: r.status, body: await r.text() }, '*'))" +
      ".catch((e) => parent.postMessage({ outcome: 'rejected', body: String(e) }, '*'))</" + "script>"
    document.body.append(frame)
  })
}

const text = { "content-type": "text/plain" }
const json = { "content-type": "application/json" }
const event = JSON.stringify([{ type: "attacker:wrote", payload: "pwned" }])

await Promise.all([
  // Simple requests: the browser sends them without asking first.
  tryFetch("simple POST events", "/v1/streams/x/events", { method: "POST", headers: text, body: event }),
  tryFetch("simple POST raw", "/v1/stream/notes", { method: "POST", headers: text, body: "attacker wrote this" }),
  tryFetch("simple POST new stream", "/v1/stream/fresh", { method: "POST", headers: text, body: "attacker wrote this" }),
  tryFetch("simple POST shutdown", "/v1/daemon/shutdown", { method: "POST" }),
  tryFetch("simple GET streams", "/v1/streams"),
  tryFetch("simple GET doc", "/doc"),
  tryFetch("simple GET stream", "/v1/stream/x?offset=-1"),
  tryFetch("simple GET health", "/health"),
  // Non-simple: a preflight comes first.
  tryFetch("PUT json", "/v1/stream/fresh", { method: "PUT", headers: json }),
  tryFetch("POST json events", "/v1/streams/x/events", { method: "POST", headers: json, body: event }),
  tryFetch("DELETE", "/v1/stream/x", { method: "DELETE" }),
  // Guessed credentials.
  tryFetch("guessed bearer", "/v1/streams", { headers: { authorization: "Bearer guess" } }),
  tryFetch("empty authorization", "/v1/streams", { headers: { authorization: "" } }),
  tryFetch("empty bearer", "/v1/stream/fresh", { method: "PUT", headers: { ...json, authorization: "Bearer " } }),
  tryFetch("guessed basic", "/v1/streams", { headers: { authorization: "Basic " + btoa("iterate:iterate") } }),
  // no-cors: the response is opaque, but the request still goes out.
  tryFetch("no-cors GET streams", "/v1/streams", { mode: "no-cors" }),
  tryFetch("no-cors GET doc", "/doc", { mode: "no-cors" }),
  tryFetch("no-cors POST events", "/v1/streams/x/events", { mode: "no-cors", method: "POST", headers: text, body: event }),
  tryFetch("no-cors POST raw", "/v1/stream/notes", { mode: "no-cors", method: "POST", headers: text, body: "attacker wrote this" }),
  tryFetch("no-cors POST shutdown", "/v1/daemon/shutdown", { mode: "no-cors", method: "POST" }),
  tryFetch("no-cors guessed bearer", "/v1/streams", { mode: "no-cors", headers: { authorization: "Bearer guess" } }),
  tryFetch("no-cors PUT", "/v1/stream/fresh", { mode: "no-cors", method: "PUT" }),
  // Forms posted into frames.
  tryForm("form POST events", "/v1/streams/x/events", '[{"type":"attacker:wrote","payload":"', '"}]'),
  tryForm("form POST raw", "/v1/stream/notes", "attacker", "wrote this"),
  tryForm("form POST shutdown", "/v1/daemon/shutdown", "attacker", "shutdown"),
  // Elements that load from anywhere.
  tryElement("img streams", "img", "/v1/streams"),
  tryElement("img stream", "img", "/v1/stream/x?offset=-1"),
  tryElement("script doc", "script", "/doc"),
  tryElement("script streams", "script", "/v1/streams"),
  tryElement("script stream", "script", "/v1/stream/x?offset=-1"),
  tryEventSource("EventSource", "/v1/stream/x?offset=-1&live=sse"),
  tryNullOrigin("null origin POST raw", "/v1/stream/notes"),
  tryWebSocket("WebSocket", "/v1/stream/x?offset=-1&live=sse"),
  tryBeacon("beacon POST raw", "/v1/stream/notes", "attacker wrote this"),
  tryBeacon("beacon POST events", "/v1/streams/x/events", new Blob([event], { type: "text/plain" })),
  // The browser holds a web UI session cookie for the daemon: asking it to send that along.
  tryFetch("cookie GET agents", "/v1/agents", { credentials: "include" }),
  tryFetch("cookie GET agents feed", "/v1/watch/agents", { credentials: "include" }),
  tryFetch("cookie simple POST events", "/v1/streams/x/events", { method: "POST", credentials: "include", headers: text, body: event }),
  tryFetch("cookie POST json events", "/v1/streams/x/events", { method: "POST", credentials: "include", headers: json, body: event }),
  tryFetch("cookie no-cors POST events", "/v1/streams/x/events", { mode: "no-cors", method: "POST", credentials: "include", headers: text, body: event }),
  tryFetch("cookie POST login code", "/v1/web/login-codes", { method: "POST", credentials: "include" }),
  tryFetch("cookie DELETE sessions", "/v1/web/sessions", { method: "DELETE", credentials: "include" }),
  tryFetch("cookie POST logout", "/v1/web/logout", { method: "POST", credentials: "include" }),
  tryEventSource("EventSource with cookies", "/v1/watch/agents", true),
  tryElement("script agents with cookies", "script", "/v1/agents"),
  tryForm("form POST login", "/login", "password", "guess"),
])
window.done = true
`

export const ATTACK_PAGE = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>totally harmless</title></head>
<body>
<script type="module">${script}</script>
</body>
</html>
`

/** How many attempts the page makes (one result each). */
export const ATTEMPTS = (script.match(/^\s*try(Fetch|Form|Element|EventSource|NullOrigin|WebSocket|Beacon)\("/gm) ?? []).length
