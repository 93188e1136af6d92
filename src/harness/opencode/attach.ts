// `opencode attach <url> --session <id>` opens opencode's own TUI on a session of a running
// server. It authenticates with HTTP Basic auth from OPENCODE_SERVER_USERNAME (default
// "opencode") and OPENCODE_SERVER_PASSWORD, or from -u/-p; a wrong password makes it print
// "401 Unauthorized" and exit 1. The password goes in the environment rather than argv, where
// any user could read it with `ps`.
import type { Credentials } from "./client.ts"

export interface AttachCommand {
  argv: string[]
  /** To be added to the environment of the attach process. */
  env: Record<string, string>
}

export function attachCommand(
  binary: string,
  server: { url: string; directory: string; credentials: Credentials },
  sessionId: string,
): AttachCommand {
  return {
    argv: [binary, "attach", server.url, "--session", sessionId, "--dir", server.directory],
    env: {
      OPENCODE_SERVER_USERNAME: server.credentials.username,
      OPENCODE_SERVER_PASSWORD: server.credentials.password,
    },
  }
}
