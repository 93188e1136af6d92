// The published JSON Schema that config.json's `$schema` points editors at.
import { readFileSync } from "node:fs"
import { expect, test } from "vitest"
import { configJsonSchema, SCHEMA_URL } from "../../../src/config/schema.ts"

test("schema/config.schema.json is the schema the code validates with (bun run generate:schema)", () => {
  expect(readFileSync(new URL("../../../schema/config.schema.json", import.meta.url), "utf8")).toBe(configJsonSchema())
  expect(JSON.parse(configJsonSchema()).$id).toBe(SCHEMA_URL)
})
