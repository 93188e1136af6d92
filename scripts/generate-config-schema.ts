// Writes schema/config.schema.json from src/config/schema.ts; test/config checks it is up to date.
import { join } from "node:path"
import { configJsonSchema } from "../src/config/schema.ts"

await Bun.write(join(import.meta.dir, "..", "schema", "config.schema.json"), configJsonSchema())
