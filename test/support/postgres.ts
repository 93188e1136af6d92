import { randomBytes } from "node:crypto"
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir, userInfo } from "node:os"
import { join } from "node:path"
import { runOk } from "./run-process.ts"

// A real PostgreSQL for the tests: a throwaway cluster (initdb + pg_ctl) on a free loopback port,
// with fsync off, password authentication (so tests can check the password is never shown), in a
// temporary folder that goes when the cluster stops. initdb refuses to run as root, so as root the
// cluster is made and run by the `postgres` user.

export interface Cluster {
  port: number
  password: string
  /** the URL of one of its databases (`postgres`, the default, is the administration one) */
  url(database?: string): string
  /** stops the server, keeping its data, as a crash or a `pg_ctl stop` would */
  halt(mode?: "fast" | "immediate"): Promise<void>
  /** starts it again after `halt`, on the same port */
  resume(): Promise<void>
  /** stops it and removes its folder */
  destroy(): Promise<void>
}

/** The folder with initdb and pg_ctl: what pg_config names, else the newest /usr/lib/postgresql/N/bin. */
function binDir(): string {
  const configured = Bun.which("pg_config") && Bun.spawnSync(["pg_config", "--bindir"]).stdout.toString().trim()
  if (configured && existsSync(join(configured, "initdb"))) return configured
  const versions = existsSync("/usr/lib/postgresql") ? readdirSync("/usr/lib/postgresql").sort((a, b) => Number(b) - Number(a)) : []
  const found = versions.map((v) => `/usr/lib/postgresql/${v}/bin`).find((dir) => existsSync(join(dir, "initdb")))
  if (!found) throw new Error("PostgreSQL is not installed (no initdb): install the postgresql package (scripts/ci-apt-packages.txt)")
  return found
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export async function startCluster(): Promise<Cluster> {
  const bin = binDir()
  const root = userInfo().uid === 0
  const dir = mkdtempSync(join(tmpdir(), "iterate-pg-"))
  const data = join(dir, "data")
  const password = randomBytes(12).toString("hex")
  writeFileSync(join(dir, "password"), password)
  if (root) {
    const [uid, gid] = ["-u", "-g"].map((flag) => Number(Bun.spawnSync(["id", flag, "postgres"]).stdout.toString()))
    chownSync(dir, uid!, gid!)
    chownSync(join(dir, "password"), uid!, gid!)
  }
  const as = (command: string[]) => runOk(root ? ["runuser", "-u", "postgres", "--", ...command] : command, { cwd: dir })
  await as([join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=scram-sha-256", `--pwfile=${join(dir, "password")}`, "-E", "UTF8", "--locale=C.UTF-8"])
  const port = await freePort()
  const settings = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    "-c unix_socket_directories=''",
    "-c fsync=off",
    "-c full_page_writes=off",
    "-c max_connections=400",
  ].join(" ")
  const start = () => as([join(bin, "pg_ctl"), "-D", data, "-l", join(dir, "server.log"), "-w", "-o", settings, "start"])
  const halt = async (mode: "fast" | "immediate" = "fast") => {
    await as([join(bin, "pg_ctl"), "-D", data, "-m", mode, "-w", "stop"])
  }
  await start()
  return {
    port,
    password,
    url: (database = "postgres") => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`,
    halt,
    resume: async () => {
      await start()
    },
    destroy: async () => {
      await halt("immediate").catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
