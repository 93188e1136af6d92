import { conformanceAgainst } from "./conformance.ts"

conformanceAgainst("postgres")
