// History-API routing: signals with the current path and query; links and navigate() push onto them.
import { signal } from "@preact/signals"

export const path = signal(location.pathname)
/** `?q=…` of a search, `?at=…` of a search hit's place in a transcript */
export const query = signal(location.search)

export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return
  history[replace ? "replaceState" : "pushState"](null, "", to)
  path.value = location.pathname
  query.value = location.search
}

addEventListener("popstate", () => {
  path.value = location.pathname
  query.value = location.search
})

/** Stream names may hold `/`; each segment is encoded, the slashes stay. */
export const streamHref = (name: string) => `/streams/${name.split("/").map(encodeURIComponent).join("/")}`

/** An agent's page shows its transcript, or (at /agents/<id>/changes) what it changed. */
export type AgentTab = "transcript" | "changes"

export type Route =
  | { view: "agents" }
  | { view: "agent"; id: string; tab: AgentTab }
  | { view: "batches" }
  | { view: "batch"; id: string }
  | { view: "streams" }
  | { view: "stream"; name: string }
  | { view: "search" }
  | { view: "login" }

export function route(at: string): Route {
  if (at === "/login") return { view: "login" }
  const agent = /^\/agents\/([^/]+)(\/changes)?$/.exec(at)
  if (agent) return { view: "agent", id: decodeURIComponent(agent[1]!), tab: agent[2] ? "changes" : "transcript" }
  if (at === "/batches") return { view: "batches" }
  const batch = /^\/batches\/([^/]+)$/.exec(at)
  if (batch) return { view: "batch", id: decodeURIComponent(batch[1]!) }
  if (at === "/streams") return { view: "streams" }
  if (at === "/search") return { view: "search" }
  if (at.startsWith("/streams/")) return { view: "stream", name: decodeURIComponent(at.slice("/streams/".length)) }
  return { view: "agents" }
}
