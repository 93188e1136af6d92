// The files `iterate service install` writes, rendered without touching the machine, so both
// platforms' output can be checked anywhere.

export const SYSTEMD_UNIT = "iterate.service"
export const LAUNCHD_LABEL = "dev.iterate.serve"

export interface ServiceSpec {
  /** the program and its arguments: this binary (or bun and the entry script), then `serve …` */
  command: string[]
  /** variables the daemon needs from the installer's environment (PATH, the XDG folders) */
  environment: Record<string, string>
  /** ITERATE_SERVER_PASSWORD / ITERATE_SERVER_USERNAME: the env file on Linux, the plist on macOS */
  secrets: Record<string, string>
  /** systemd: the EnvironmentFile that holds the secrets, so the unit never does */
  environmentFile: string
  /** launchd: where the daemon's stdout and stderr go (the same file serve logs to) */
  logFile: string
}

const ESCAPES: Record<string, string> = { "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r" }

/** A double-quoted systemd word: C escapes for backslash, quote and control characters. */
function quoted(text: string): string {
  const body = text.replace(/[\\"\n\t\r]|[\x00-\x1f\x7f]/g, (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)
  return `"${body}"`
}

// Left bare in a unit file; anything else is quoted so spaces, quotes and `;` stay one literal word.
const BARE = /^[A-Za-z0-9_@+=:,./-]+$/

/**
 * One word of ExecStart=: `%` doubled (specifiers), `$` doubled in arguments (variable expansion;
 * the executable path is not expanded), quoted unless it is plainly safe.
 */
export function systemdExecWord(word: string, executable = false): string {
  let text = word.replaceAll("%", "%%")
  if (!executable) text = text.replaceAll("$", () => "$$")
  return BARE.test(text) ? text : quoted(text)
}

/** `Environment="NAME=value"`: the whole assignment is one quoted word; `%` doubled, `$` is literal there. */
export function systemdEnvironment(name: string, value: string): string {
  return `Environment=${quoted(`${name}=${value}`.replaceAll("%", "%%"))}`
}

/** A path in a unit setting that takes no quotes (EnvironmentFile=): only specifiers need escaping. */
function systemdPath(path: string): string {
  if (/[\n\r]/.test(path)) throw new Error(`${JSON.stringify(path)} cannot be written into a unit file`)
  return path.replaceAll("%", "%%")
}

export function renderSystemdUnit(spec: ServiceSpec): string {
  const [executable, ...args] = spec.command
  if (!executable) throw new Error("the service needs a command")
  const execStart = [systemdExecWord(executable, true), ...args.map((arg) => systemdExecWord(arg))].join(" ")
  const environment = Object.entries(spec.environment).map(([name, value]) => systemdEnvironment(name, value))
  return `# Written by \`iterate service install\`; \`iterate service uninstall\` removes it.
[Unit]
Description=iterate daemon (iterate serve)
After=network-online.target
# Keep retrying: a port still held after a crash or a network not yet up must not stop the service for good.
StartLimitIntervalSec=0

[Service]
Type=simple
ExecStart=${execStart}
${environment.join("\n")}
# ITERATE_SERVER_PASSWORD / ITERATE_SERVER_USERNAME live here (mode 0600), never in this unit.
EnvironmentFile=-${systemdPath(spec.environmentFile)}
Restart=on-failure
RestartSec=2

[Install]
WantedBy=default.target
`
}

/**
 * The EnvironmentFile: `NAME="value"` lines, with `\`, `"`, `$` and backquote escaped, which
 * systemd and a POSIX shell both read back as the same value.
 */
export function renderEnvironmentFile(variables: Record<string, string>): string {
  const lines = Object.entries(variables).map(([name, value]) => `${name}="${value.replace(/[\\"$`]/g, (c) => `\\${c}`)}"`)
  return `# Environment of ${SYSTEMD_UNIT}, written by \`iterate service install\` (keep it mode 0600).\n${lines.map((l) => l + "\n").join("")}`
}

/** Text for a plist <string>: XML escapes; characters XML 1.0 cannot hold at all are refused. */
export function xmlEscape(text: string): string {
  if (/[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/.test(text)) throw new Error(`${JSON.stringify(text)} cannot be written into a plist`)
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!)
}

const string = (value: string) => `<string>${xmlEscape(value)}</string>`

export function renderLaunchdPlist(spec: ServiceSpec): string {
  const variables = { ...spec.environment, ...spec.secrets }
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">`,
    `<!-- Written by \`iterate service install\`; \`iterate service uninstall\` removes it. -->`,
    `<plist version="1.0">`,
    `<dict>`,
    `  <key>Label</key>`,
    `  ${string(LAUNCHD_LABEL)}`,
    `  <key>ProgramArguments</key>`,
    `  <array>`,
    ...spec.command.map((arg) => `    ${string(arg)}`),
    `  </array>`,
    `  <key>EnvironmentVariables</key>`,
    `  <dict>`,
    ...Object.entries(variables).flatMap(([name, value]) => [`    <key>${xmlEscape(name)}</key>`, `    ${string(value)}`]),
    `  </dict>`,
    `  <key>RunAtLoad</key>`,
    `  <true/>`,
    `  <key>KeepAlive</key>`,
    `  <dict>`,
    `    <key>SuccessfulExit</key>`,
    `    <false/>`,
    `  </dict>`,
    `  <key>StandardOutPath</key>`,
    `  ${string(spec.logFile)}`,
    `  <key>StandardErrorPath</key>`,
    `  ${string(spec.logFile)}`,
    `</dict>`,
    `</plist>`,
  ]
  return lines.join("\n") + "\n"
}
