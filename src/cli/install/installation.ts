// How this iterate was installed, read from where its binary lives.
import { realpathSync } from "node:fs"
import { CliError } from "../../errors.ts"

// scripts/build.ts defines the release target the binary was built for; running from source leaves it out.
declare const ITERATE_TARGET: string | undefined

export type Method = "curl" | "npm" | "brew"

export interface Installation {
  /** the running binary, links resolved */
  binary: string
  /** the release target it was built for, e.g. linux-x64-musl */
  target: string
  method: Method
  /** for npm: the global prefix it was installed into */
  npmPrefix?: string
}

export function findInstallation(): Installation {
  if (typeof ITERATE_TARGET !== "string") {
    throw new CliError("this iterate runs from source, not from an installed binary; update it with git instead")
  }
  const binary = realpathSync(process.execPath)
  const path = binary.replaceAll("\\", "/")
  if (path.includes("/Cellar/iterate/")) return { binary, target: ITERATE_TARGET, method: "brew" }
  // npm keeps global packages in <prefix>/lib/node_modules (<prefix>/node_modules on Windows); the
  // binary is the launcher's own file after its first run, or the platform package's before it.
  const npm = /^(.*?)\/(lib\/)?node_modules\/iterate(-[\w-]+)?\//.exec(path)
  if (npm) {
    if (!npm[2] && process.platform !== "win32") {
      throw new CliError(`iterate is a dependency of the project in ${npm[1]}; upgrade or remove it there with npm`)
    }
    return { binary, target: ITERATE_TARGET, method: "npm", npmPrefix: npm[1] }
  }
  return { binary, target: ITERATE_TARGET, method: "curl" }
}
