// Two small files iterate gives Pi, kept here as text so they ship inside the compiled binary and
// written to the harness's data folder on first use (again whenever this version's text differs).
//
// The launcher runs Pi's CLI script under whichever runtime started it. It exists for one reason:
// the iterate binary acts as `bun` only while BUN_BE_BUN=1 is set, and that variable must not
// reach the commands Pi runs — every Bun-compiled program (iterate, opencode, …) they start would
// act as bun too. `launcher.mjs <pi cli.js> args…` leaves Pi with the argv it expects.
//
// The extension (loaded with `-e`) asks before every tool call: Pi has no permission prompts of its
// own. Its ctx.ui.confirm reaches the session as an extension_ui_request titled
// "iterate:permission" whose message is {toolCallId, toolName, input} as JSON; the session's
// extension_ui_response {confirmed} decides. An abort cancels the dialog (ctx.signal), which denies.
// A confirm carries no text back, so a denial tells the model one fixed sentence. For write it
// also records what the file held before (in the result's details, which the model never sees),
// so the transcript can show an overwrite as a diff. It also stops the bash tool's commands when
// the daemon goes away (see there).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { PERMISSION_TITLE } from "./events.ts"

export const DENIED = "The user denied this tool call."

const LAUNCHER = `// Written by iterate: runs Pi's CLI (argv[2]) without handing BUN_BE_BUN to what Pi starts.
delete process.env.BUN_BE_BUN
const { pathToFileURL } = await import("node:url")
const cli = process.argv.splice(2, 1)[0]
await import(pathToFileURL(cli).href)
`

const EXTENSION = `// Written by iterate (rewritten when iterate changes it): asks iterate before every tool call.
import { readFileSync, statSync } from "node:fs"
import { homedir } from "node:os"
import { isAbsolute, resolve } from "node:path"

const TITLE = ${JSON.stringify(PERMISSION_TITLE)}
const DENIED = ${JSON.stringify(DENIED)}
const MAX_BEFORE = 1024 * 1024

function previous(cwd, path) {
  if (typeof path !== "string") return undefined
  let file = path.startsWith("@") ? path.slice(1) : path
  if (file === "~" || file.startsWith("~/")) file = homedir() + file.slice(1)
  file = isAbsolute(file) ? file : resolve(cwd, file)
  try {
    const size = statSync(file).size
    return size > MAX_BEFORE ? { existed: true } : { existed: true, before: readFileSync(file, "utf8") }
  } catch {
    return { existed: false }
  }
}

export default function (pi) {
  // The daemon is gone when its end of our stdin closes. Pi then shuts down, but it stops the
  // commands its bash tool started (in process groups of their own) only on a signal: make the
  // end of stdin that signal, so no command outlives a daemon that was killed.
  process.stdin.once("end", () => process.emit("SIGTERM"))
  const writes = new Map()
  pi.on("tool_call", async (event, ctx) => {
    const body = JSON.stringify({ toolCallId: event.toolCallId, toolName: event.toolName, input: event.input })
    const allowed = await ctx.ui.confirm(TITLE, body, { signal: ctx.signal })
    if (allowed !== true) return { block: true, reason: DENIED }
    if (event.toolName === "write") writes.set(event.toolCallId, previous(ctx.cwd, event.input && event.input.path))
  })
  pi.on("tool_result", (event) => {
    const iterate = writes.get(event.toolCallId)
    if (!iterate) return undefined
    writes.delete(event.toolCallId)
    return { details: { ...(event.details || {}), iterate } }
  })
}
`

export interface PiAssets {
  launcher: string
  extension: string
}

export const assetPaths = (dataDir: string): PiAssets => ({
  launcher: join(dataDir, "launcher.mjs"),
  extension: join(dataDir, "permission-gate.mjs"),
})

/** The launcher and extension in `dataDir`, written if missing or out of date. */
export function installAssets(dataDir: string): PiAssets {
  mkdirSync(dataDir, { recursive: true })
  const assets = assetPaths(dataDir)
  writeIfChanged(assets.launcher, LAUNCHER)
  writeIfChanged(assets.extension, EXTENSION)
  return assets
}

function writeIfChanged(file: string, text: string): void {
  try {
    if (readFileSync(file, "utf8") === text) return
  } catch {
    // not there yet
  }
  // Another daemon or a Pi starting up may read it meanwhile: write aside, then rename over it.
  const temp = `${file}.${process.pid}.tmp`
  writeFileSync(temp, text)
  renameSync(temp, file)
}
