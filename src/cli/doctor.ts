import type { Command } from "commander"
import type { Check } from "./doctor/index.ts"
import { EXIT } from "../errors.ts"
import type { Output } from "../client/output.ts"

const marks = { ok: "✓", info: "·", problem: "✗" } as const

function print(io: Output, checks: Check[]): void {
  const width = Math.max(...checks.map((c) => c.check.length))
  for (const c of checks) {
    const line = `${marks[c.status]} ${c.check.padEnd(width)}  ${c.message}`
    io.out(c.status === "problem" ? io.bold(line) : line)
    if (c.fix) io.out(`  ${" ".repeat(width)}  ${c.status === "problem" ? "fix" : io.dim("try")}: ${c.fix}`)
  }
  const problems = checks.filter((c) => c.status === "problem").length
  io.out()
  io.out(problems ? `${problems} problem${problems === 1 ? "" : "s"} found` : "no problems found")
}

async function doctor(io: Output, options: { json?: boolean }): Promise<void> {
  // The checks load config, harness and server-probing code: only when doctor runs.
  const checks = await (await import("./doctor/index.ts")).diagnose()
  const healthy = checks.every((c) => c.status !== "problem")
  if (options.json) io.printJson({ ok: healthy, checks })
  else print(io, checks)
  if (!healthy) process.exitCode = EXIT.failure
}

export function registerDoctor(program: Command, io: Output): void {
  program
    .command("doctor")
    .description("check the install, the daemon, the folders, the harnesses and the named servers; exit 1 on any problem")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Each problem comes with the command that fixes it. doctor starts no daemon: when none runs, it
checks the harnesses as a daemon started from this shell would find them.

Examples:
  iterate doctor
  iterate doctor --json | jq '.checks[] | select(.status == "problem")'`,
    )
    .action((options) => doctor(io, options))
}
