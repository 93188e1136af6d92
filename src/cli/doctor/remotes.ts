// Named servers: each one's password file, whether it answers, and whether it takes the password.
import { existsSync, statSync } from "node:fs"
import type { Paths } from "../../paths/index.ts"
import { probeServer } from "../../client/remotes/probe.ts"
import { RemoteStore } from "../../client/remotes/store.ts"
import { type Check, info, ok, problem } from "./check.ts"

async function serverCheck(check: string, url: string, password: string | undefined, fixes: { unreachable: string; refused: string }): Promise<Check> {
  const probe = await probeServer(url, password)
  if (!probe.reachable) return problem(check, `${url} does not answer: ${probe.reason}`, fixes.unreachable)
  if (!probe.authorized) return problem(check, `${url} refused the password`, fixes.refused)
  return ok(check, `${url}: iterate ${probe.version}, password accepted`)
}

function remoteCheck(store: RemoteStore, name: string, url: string): Promise<Check> | Check {
  const check = `remote ${name}`
  const file = store.passwordFile(name)
  const readd = `iterate remote add ${name} ${url}`
  if (!existsSync(file)) return problem(check, `its password file ${file} is missing`, readd)
  if (process.platform !== "win32" && statSync(file).mode & 0o077) return problem(check, `${file} can be read by other users`, `chmod 600 ${file}`)
  return serverCheck(check, url, store.get(name)?.password, { unreachable: `iterate remote rm ${name}`, refused: readd })
}

export async function remoteChecks(paths: Paths): Promise<Check[]> {
  const store = new RemoteStore(paths)
  let file
  try {
    file = store.read()
  } catch (error) {
    return [problem("remotes", (error as Error).message, `rm ${paths.remotes}`)]
  }
  const checks: (Check | Promise<Check>)[] = Object.entries(file.remotes).map(([name, { url }]) => remoteCheck(store, name, url))
  if (file.default && !(file.default in file.remotes))
    checks.push(problem("remotes", `the default remote ${file.default} is not stored`, "iterate remote use local"))
  else if (file.default) checks.push(info("remotes", `commands without --server use ${file.default}`, "iterate remote use local"))
  const override = process.env.ITERATE_SERVER_URL
  if (override) {
    const remote = override.includes("://") ? { url: override, password: process.env.ITERATE_SERVER_PASSWORD } : store.get(override)
    if (!remote) checks.push(problem("ITERATE_SERVER_URL", `${override} is neither a URL nor a stored remote`, "unset ITERATE_SERVER_URL"))
    else
      checks.push(serverCheck("ITERATE_SERVER_URL", remote.url, remote.password, { unreachable: "unset ITERATE_SERVER_URL", refused: "export ITERATE_SERVER_PASSWORD=PASSWORD" }))
  }
  return Promise.all(checks)
}
