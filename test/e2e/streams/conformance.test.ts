import { conformanceAgainst } from "./conformance.ts"

conformanceAgainst("sqlite")
