// Runs a Windows binary under Debian's wine64 in a throwaway prefix, with the ProcessPrng stand-in
// built next to it (Windows looks for DLLs in the program's folder first).
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { type Result, run, runOk } from "./run-process.ts"
import { findTool } from "./tools.ts"

export const wine = findTool("wine64", "/usr/lib/wine/wine64")
export const mingw = findTool("x86_64-w64-mingw32-gcc")

export async function runUnderWine(exe: string, args: string[]): Promise<Result> {
  const source = join(import.meta.dirname, "wine-bcryptprimitives.c")
  await runOk([mingw!, "-shared", "-O2", "-o", join(dirname(exe), "bcryptprimitives.dll"), source, "-ladvapi32"])
  const prefix = mkdtempSync(join(tmpdir(), "iterate-wine-"))
  try {
    // Without the mono and gecko prompts a fresh prefix is ready in seconds.
    const env = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: "-all", WINEDLLOVERRIDES: "mscoree,mshtml=" }
    return await run([wine!, exe, ...args], { env })
  } finally {
    rmSync(prefix, { recursive: true, force: true })
  }
}
