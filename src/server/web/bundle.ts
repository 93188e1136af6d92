// The page as Bun's HTML import. A compiled binary carries the bundled, hashed files inside it
// (`files`); from source, `index` names the HTML file and assets.ts bundles it on first use. Kept
// in a module of its own, imported only when a page is first asked for: a dynamic import of the
// HTML itself is not bundled correctly with --splitting.
import page from "../../web/index.html"

export default page
