// Named servers (`iterate remote`). remotes.json beside config.json holds each name's URL and the
// default; each password sits alone in remotes/<name> (mode 0600, folder 0700), so listing, printing
// or copying remotes.json never carries a secret. Plain files and JSON only: this is on the path of
// every client command.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { ensurePrivateDir } from "../../discovery/record.ts"
import type { Paths } from "../../paths/index.ts"

/** The word that means "the local daemon" wherever a remote name is expected. */
export const LOCAL = "local"

export interface RemotesFile {
  /** the remote commands use when neither --server nor ITERATE_SERVER_URL is given */
  default?: string
  remotes: Record<string, { url: string }>
}

export interface Remote {
  name: string
  url: string
  /** absent when the password file is missing */
  password?: string
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/** Why `name` cannot name a remote, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name === LOCAL) return `"${LOCAL}" means the local daemon; choose another name`
  if (!NAME.test(name)) return `a remote name is letters, digits, ".", "_" and "-" (at most 64, starting with a letter or digit), not "${name}"`
  return undefined
}

/** Whether a --server value is a URL (anything with a scheme) rather than a remote name. */
export const isUrl = (value: string) => value.includes("://")

export type RemotePaths = Pick<Paths, "config" | "remotes" | "remotePasswords">

export class RemoteStore {
  constructor(private readonly paths: RemotePaths) {}

  read(): RemotesFile {
    let text: string
    try {
      text = readFileSync(this.paths.remotes, "utf8")
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { remotes: {} }
      throw new Error(`cannot read ${this.paths.remotes}: ${(error as Error).message}`)
    }
    try {
      const file = JSON.parse(text) as Partial<RemotesFile>
      return { default: typeof file.default === "string" ? file.default : undefined, remotes: file.remotes ?? {} }
    } catch (error) {
      throw new Error(`${this.paths.remotes} is not valid JSON (${(error as Error).message}); fix or delete it`)
    }
  }

  passwordFile(name: string): string {
    return join(this.paths.remotePasswords, name)
  }

  get(name: string): Remote | undefined {
    const entry = this.read().remotes[name]
    if (!entry) return undefined
    let password: string | undefined
    try {
      password = readFileSync(this.passwordFile(name), "utf8")
    } catch {
      password = undefined
    }
    return { name, url: entry.url, password }
  }

  /** Adds `name`, or replaces it (URL and password) when it exists; true when it existed. */
  add(name: string, url: string, password: string): boolean {
    const file = this.read()
    const existed = name in file.remotes
    ensurePrivateDir(this.paths.remotePasswords)
    writePrivate(this.passwordFile(name), password)
    file.remotes[name] = { url }
    this.write(file)
    return existed
  }

  /** Removes `name` and its password; false when there was no such remote. */
  remove(name: string): boolean {
    const file = this.read()
    if (!(name in file.remotes)) return false
    delete file.remotes[name]
    if (file.default === name) delete file.default
    this.write(file)
    rmSync(this.passwordFile(name), { force: true })
    return true
  }

  /** Makes `name` the default, or (with LOCAL) goes back to the local daemon. */
  use(name: string): void {
    const file = this.read()
    if (name === LOCAL) delete file.default
    else file.default = name
    this.write(file)
  }

  private write(file: RemotesFile): void {
    // The config folder holds the passwords' folder: private when iterate makes it.
    if (!existsSync(this.paths.config)) ensurePrivateDir(this.paths.config)
    writePrivate(this.paths.remotes, JSON.stringify(file, null, 2) + "\n")
  }
}

/** Written to a temporary file with mode 0600 and renamed, so a reader never sees half of it. */
function writePrivate(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, text, { mode: 0o600 })
  renameSync(temporary, path)
}
