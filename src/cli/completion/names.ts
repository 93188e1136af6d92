// The names completion offers that live outside the command tree: agents, streams and harnesses
// from the server the command would talk to (never starting a daemon, and giving up quickly), and
// remotes and config keys from local files.
import { readFileSync } from "node:fs"
import { resolveTarget } from "../../client/connection.ts"
import { knownKeys, leaves } from "../../config/keys.ts"
import { bearer, sdkClient } from "../../client/sdk.ts"
import { findTrustedDaemon } from "../../discovery/health.ts"
import { resolvePaths } from "../../paths/index.ts"
import { LOCAL, RemoteStore } from "../../client/remotes/store.ts"
import type { Client } from "../../sdk/client/index.ts"
import { listAgents, listHarnesses, listStreams } from "../../sdk/sdk.gen.ts"
import type { Candidate, CompleteContext, Source } from "./complete.ts"

// A tab press should answer at once; a server that takes longer just gets no names.
const ASK_FOR_MS = 1_000

async function clientFor(server: string | undefined): Promise<Client | undefined> {
  const remote = resolveTarget(server ?? process.env.ITERATE_SERVER_URL)
  if (remote) {
    const password = remote.password ?? process.env.ITERATE_SERVER_PASSWORD
    return sdkClient(remote.server!, password ? bearer(password) : undefined)
  }
  const found = await findTrustedDaemon(resolvePaths().daemonRecord)
  return found && sdkClient(found.record.url, bearer(found.record.token))
}

async function fromServer(source: "agents" | "streams" | "harnesses", server: string | undefined): Promise<Candidate[]> {
  const client = await clientFor(server)
  if (!client) return []
  const options = { client, signal: AbortSignal.timeout(ASK_FOR_MS) }
  if (source === "agents") {
    const agents = (await listAgents(options)).data?.agents ?? []
    return agents.map((a) => ({ value: a.name, description: `${a.harness} in ${a.directory} (${a.status})` }))
  }
  if (source === "streams") return ((await listStreams(options)).data?.streams ?? []).map((s) => ({ value: s.name }))
  return ((await listHarnesses(options)).data?.harnesses ?? []).map((h) => ({ value: h.name, description: h.version }))
}

/** Every key set in config.json, so `config get` and `unset` complete keys iterate does not know too. */
function keysInConfigFile(): string[] {
  try {
    return leaves(Bun.JSONC.parse(readFileSync(resolvePaths().configFile, "utf8")) as Record<string, unknown>).map(([key]) => key)
  } catch {
    // no file, or one that does not parse: the known keys still complete
    return []
  }
}

export const names: CompleteContext["names"] = async (source: Source, server) => {
  try {
    if (source === "remotes" || source === "remotes-and-local") {
      const remotes = Object.entries(new RemoteStore(resolvePaths()).read().remotes).map(([name, { url }]) => ({ value: name, description: url }))
      return source === "remotes" ? remotes : [{ value: LOCAL, description: "the local daemon" }, ...remotes]
    }
    if (source === "config-keys") {
      // A key with a name of the user's in it (harnesses.<name>.acp) is no word to complete.
      const known = knownKeys()
        .filter((k) => !k.key.includes("<"))
        .map((k) => ({ value: k.key, description: k.description }))
      return [...known, ...keysInConfigFile().filter((key) => !known.some((k) => k.value === key)).map((value) => ({ value }))]
    }
    return await fromServer(source, server)
  } catch {
    // Completion never fails loudly: no names is the answer.
    return []
  }
}
