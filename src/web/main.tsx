// The web UI: a single-page app served by the daemon. See the README's "Web UI" section.
import { render } from "preact"
import { getWebSession, logoutWebSession } from "../sdk/sdk.gen.ts"
import { AgentPage } from "./agent-page.tsx"
import { AgentsPage } from "./agents-page.tsx"
import { BatchPage, BatchesPage } from "./batches-page.tsx"
import { call, loggedOut } from "./api.ts"
import { LoginPage } from "./login-page.tsx"
import { askForNotifications, permission } from "./notify.ts"
import { navigate, path, route } from "./router.ts"
import { SearchBox, SearchPage } from "./search-page.tsx"
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
        <Link href="/batches">Batches</Link>
        <Link href="/streams">Streams</Link>
      </nav>
      <SearchBox />
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

function App({ passwordLogin }: { passwordLogin: boolean }) {
  const at = route(path.value)
  if (at.view === "login" || loggedOut.value)
    return <LoginPage next={at.view === "login" ? "/" : location.pathname} passwordLogin={passwordLogin} />
  return (
    <div class="app">
      <Header />
      {at.view === "agent" ? (
        <AgentPage key={at.id} id={at.id} tab={at.tab} />
      ) : at.view === "batches" ? (
        <BatchesPage />
      ) : at.view === "batch" ? (
        <BatchPage key={at.id} id={at.id} />
      ) : at.view === "streams" ? (
        <StreamsPage />
      ) : at.view === "stream" ? (
        <StreamPage key={at.name} name={at.name} />
      ) : at.view === "search" ? (
        <SearchPage />
      ) : (
        <AgentsPage />
      )}
    </div>
  )
}

// Asking first spares a browser that is not logged in a round of refused requests.
const session = await call(getWebSession()).catch(() => ({ authenticated: false, passwordLogin: true }))
loggedOut.value = !session.authenticated
render(<App passwordLogin={session.passwordLogin} />, document.getElementById("app")!)
