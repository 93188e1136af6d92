// `iterate web`: open the web UI logged in. The daemon mints a single-use login code (through the
// SDK, with this CLI's token or the server password); the browser trades it for a session cookie,
// so the token itself never reaches a browser.
import type { Command } from "commander"
import type { Connection } from "../client/connect.ts"
import { createLoginCode, revokeWebSessions } from "../sdk/sdk.gen.ts"
import { agentFor } from "../client/agents.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import type { Output } from "../client/output.ts"

export interface WebOptions {
  agent?: string
  open: boolean
  revoke?: boolean
}

/** How to open a URL in the default browser here: $BROWSER, else the platform's opener; undefined when there is none. */
export function browserCommand(url: string, env = process.env, platform = process.platform): string[] | undefined {
  if (env.BROWSER) return [...env.BROWSER.split(" ").filter(Boolean), url]
  const [opener, ...args] =
    platform === "darwin" ? ["open"] : platform === "win32" ? ["rundll32", "url.dll,FileProtocolHandler"] : ["xdg-open"]
  const found = Bun.which(opener!, { PATH: env.PATH ?? "" })
  return found ? [found, ...args, url] : undefined
}

/** Starts the browser on `url`; false when none could be started (no opener, or it failed at once). */
async function openBrowser(url: string): Promise<boolean> {
  const command = browserCommand(url)
  if (!command) return false
  try {
    const child = Bun.spawn(command, { stdio: ["ignore", "ignore", "ignore"] })
    // An opener that finds no browser says so by exiting non-zero right away; a browser it
    // starts may run on, which is fine.
    const code = await Promise.race([child.exited, Bun.sleep(2000).then(() => 0)])
    child.unref()
    return code === 0
  } catch {
    return false
  }
}

/** The login link for this connection's server, landing on the agent's page with --agent. */
export async function loginLink(connection: Connection, agent?: string): Promise<string> {
  const next = agent ? `/agents/${(await agentFor(connection, agent)).id}` : undefined
  const { path } = unwrap(connection, await createLoginCode({ client: connection.client, body: { next } }))
  return new URL(path, connection.url).href
}

export async function web(io: Output, connection: Connection, options: WebOptions, open = openBrowser): Promise<void> {
  if (options.revoke) {
    const { ended } = unwrap(connection, await revokeWebSessions({ client: connection.client }))
    return io.note(`ended ${ended} web session${ended === 1 ? "" : "s"}; browsers must log in again`)
  }
  const link = await loginLink(connection, options.agent)
  if (options.open && (await open(link))) return io.note(`opened the web UI in your browser (the link works once, within 2 minutes): ${link}`)
  if (options.open) io.note("no browser found; open this link (it works once, within 2 minutes):")
  io.out(link)
}

export function registerWeb(program: Command, io: Output): void {
  program
    .command("web")
    .description("open the web UI in your browser, logged in with a one-time link")
    .option("--agent <agent>", "open this agent's page (id or name)")
    .option("--no-open", "print the login link on stdout instead of opening a browser")
    .option("--revoke", "end every web session (all browsers must log in again)")
    .addHelpText(
      "after",
      `
The link carries a single-use code valid for 2 minutes; the browser trades it for a session
cookie. $BROWSER picks the browser. On a remote server, --server URL with ITERATE_SERVER_PASSWORD
mints the link there (its login page also takes the password).

Examples:
  iterate web
  iterate web --agent app
  iterate web --no-open          # print the link, e.g. to open it on another machine
  iterate web --server https://iterate.example.com
  iterate web --revoke`,
    )
    .action(async (options: WebOptions, command: Command) => web(io, await connectFor(io, command), options))
}
