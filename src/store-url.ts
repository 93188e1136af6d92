// A PostgreSQL URL carries a password: these say where the database is without it, and keep it
// out of any text the daemon shows. Pure, so the CLI can check a --store value before it serves.

/** Whether a --store value names a PostgreSQL database. */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\/./i.test(value) && URL.canParse(value)
}

/** Where the database is, for logs: host, port and database, never the user or the password. */
export function describePostgres(url: string): string {
  const parsed = new URL(url)
  return `PostgreSQL at ${parsed.hostname || "localhost"}:${parsed.port || 5432}${parsed.pathname.length > 1 ? parsed.pathname : ""}`
}

/** `text` with the URL and its password blanked out, spelled as given or percent-decoded. */
export function redact(text: string, url: string): string {
  const password = URL.canParse(url) ? new URL(url).password : ""
  let out = text
  for (const secret of [url, password, password && decodeURIComponent(password)]) if (secret) out = out.split(secret).join("***")
  return out
}
