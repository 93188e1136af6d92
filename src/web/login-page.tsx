// The login page. On the daemon's own machine `iterate web` opens a one-time link and nobody
// types anything; a remote server also takes its password here. A plain form post: the answer
// is a redirect, never a browser's Basic prompt.
const FAILED: Record<string, string> = {
  code: "That login link was used already or has expired. Run iterate web for a new one.",
  password: "Wrong password.",
  "no-password": "This server has no password; log in with the link that iterate web opens.",
}

export function LoginPage({ next, passwordLogin }: { next: string; passwordLogin: boolean }) {
  const params = new URLSearchParams(location.search)
  const failed = params.get("failed")
  return (
    <main class="page login">
      <h1>Log in to iterate</h1>
      {failed && <div class="card error">{FAILED[failed] ?? "Login failed."}</div>}
      {passwordLogin && <form method="post" action="/login" class="card">
        <input type="hidden" name="next" value={params.get("next") ?? next} />
        <label>
          Server password
          <input type="password" name="password" autocomplete="current-password" required />
        </label>
        <div class="actions">
          <button type="submit" class="primary">
            Log in
          </button>
        </div>
      </form>}
      <p class="muted small">
        On the machine that runs iterate, <code>iterate web</code> opens this page logged in. For a remote server:{" "}
        <code>iterate web --server URL</code> with <code>ITERATE_SERVER_PASSWORD</code> set, or the password above.
      </p>
    </main>
  )
}
