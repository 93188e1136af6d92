import { homedir } from "node:os"
import { join } from "node:path"

export interface Paths {
  state: string
  data: string
  config: string
  cache: string
  logDir: string
  daemonRecord: string
  daemonLock: string
  daemonLog: string
  /** held locked by the daemon that owns the data folder, for its whole life */
  dataLock: string
  /** beside the lock: which daemon holds it (no token), so it can be found without daemon.json */
  dataOwner: string
  configFile: string
  /** named servers (`iterate remote`): names, URLs and which one is the default */
  remotes: string
  /** one password file per named server, mode 0600 in a 0700 folder */
  remotePasswords: string
}

/**
 * Where iterate keeps its files. XDG on Linux and macOS (SPEC keeps one layout for both, so
 * scripts and docs never branch); %LOCALAPPDATA%\iterate on Windows. Read from `env` every time
 * so tests can point a process at throwaway folders.
 */
export function resolvePaths(env: NodeJS.ProcessEnv = process.env): Paths {
  const home = env.HOME || env.USERPROFILE || homedir()
  let state: string, data: string, config: string, cache: string
  if (process.platform === "win32") {
    const root = join(env.LOCALAPPDATA || join(home, "AppData", "Local"), "iterate")
    ;[state, data, config, cache] = ["state", "data", "config", "cache"].map((d) => join(root, d)) as [
      string,
      string,
      string,
      string,
    ]
  } else {
    state = join(env.XDG_STATE_HOME || join(home, ".local", "state"), "iterate")
    data = join(env.XDG_DATA_HOME || join(home, ".local", "share"), "iterate")
    config = join(env.XDG_CONFIG_HOME || join(home, ".config"), "iterate")
    cache = join(env.XDG_CACHE_HOME || join(home, ".cache"), "iterate")
  }
  const logDir = join(state, "log")
  return {
    state,
    data,
    config,
    cache,
    logDir,
    daemonRecord: join(state, "daemon.json"),
    daemonLock: join(state, "daemon.lock"),
    daemonLog: join(logDir, "daemon.log"),
    dataLock: join(data, "owner.lock"),
    dataOwner: join(data, "owner.json"),
    configFile: join(config, "config.json"),
    remotes: join(config, "remotes.json"),
    remotePasswords: join(config, "remotes"),
  }
}
