// Talking to systemd (systemctl --user) and launchd (launchctl) about the iterate service.
import { userInfo } from "node:os"
import { LAUNCHD_LABEL } from "./render.ts"

const uid = () => process.getuid?.() ?? userInfo().uid
export const launchdDomain = () => `gui/${uid()}`
export const launchdService = () => `${launchdDomain()}/${LAUNCHD_LABEL}`

export interface ToolResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs systemctl or launchctl; undefined when it is not on PATH. */
export async function tool(command: string[]): Promise<ToolResult | undefined> {
  const executable = Bun.which(command[0]!)
  if (!executable) return undefined
  const child = Bun.spawn([executable, ...command.slice(1)], { stdin: "ignore", stdout: "pipe", stderr: "pipe" })
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  return { code, stdout, stderr }
}

export const shown = (command: string[]) => command.join(" ")
export const firstLine = (text: string) => text.trim().split("\n")[0]?.trim() ?? ""

/** Why a command did not work, in a few words, or undefined when it did. */
export function failure(command: string[], result: ToolResult | undefined): string | undefined {
  if (!result) return `${command[0]} is not on PATH`
  if (result.code === 0) return undefined
  return `\`${shown(command)}\` failed${firstLine(result.stderr || result.stdout) ? `: ${firstLine(result.stderr || result.stdout)}` : ` with exit code ${result.code}`}`
}

/** Runs the command; why it failed, or undefined when it worked. */
export const attempt = async (command: string[]) => failure(command, await tool(command))
