// The web UI: a single-page app served by the daemon. See the README's "Web UI" section.
import { render } from "preact"
import { logoutWebSession } from "../sdk/sdk.gen.ts"
import { AgentPage } from "./agent-page.tsx"
import { AgentsPage } from "./agents-page.tsx"
import { call, loggedOut } from "./api.ts"
import { LoginPage } from "./login-page.tsx"
import { askForNotifications, permission } from "./notify.ts"
import { navigate, path, route } from "./router.ts"
import { StreamPage, StreamsPage } from "./streams-page.tsx"
import { Link } from "./ui.tsx"

async function logout() {
  await call(logoutWebSession()).catch(() => {})
  loggedOut.value = true
  navigate("/login")
}

function Header() {
  return (
    <header class="top">
      <Link href="/" class="brand">
        iterate
      </Link>
      <nav>
        <Link href="/">Agents</Link>
        <Link href="/streams">Streams</Link>
      </nav>
      <span class="spacer" />
      {permission.value === "default" && (
        <button type="button" class="small" onClick={askForNotifications}>
          Notify me
        </button>
      )}
      <button type="button" class="small" onClick={logout}>
        Log out
      </button>
    </header>
  )
}

function App() {
  const at = route(path.value)
  if (at.view === "login" || loggedOut.value) return <LoginPage next={at.view === "login" ? "/" : location.pathname} />
  return (
    <div class="app">
      <Header />
      {at.view === "agent" ? (
        <AgentPage key={at.id} id={at.id} />
      ) : at.view === "streams" ? (
        <StreamsPage />
      ) : at.view === "stream" ? (
        <StreamPage key={at.name} name={at.name} />
      ) : (
        <AgentsPage />
      )}
    </div>
  )
}

render(<App />, document.getElementById("app")!)
