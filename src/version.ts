import pkg from "../package.json" with { type: "json" }

// Release builds replace this identifier with the tag's version (scripts/build.ts --define);
// running from source falls back to package.json.
declare const ITERATE_VERSION: string | undefined

export const VERSION: string = typeof ITERATE_VERSION === "string" ? ITERATE_VERSION : pkg.version
