import { basename } from "node:path"
import { run } from "./run-process.ts"

/**
 * `systemd-analyze verify` on a unit file: its exit code, what it said about this unit (the host's
 * own units may draw unrelated warnings), and the unit as systemd parsed it (printed on stdout at debug level).
 */
export async function verifyUnit(file: string): Promise<{ code: number; about: string[]; parsed: string }> {
  const env = { PATH: process.env.PATH }
  const verify = await run(["systemd-analyze", "verify", file], { env })
  const about = verify.stderr.split("\n").filter((line) => line.includes(basename(file)))
  const debug = await run(["systemd-analyze", "verify", file], { env: { ...env, SYSTEMD_LOG_LEVEL: "debug" } })
  return { code: verify.code, about, parsed: debug.stdout }
}
