// The settings iterate knows, read from the committed JSON Schema: plain data, so help and shell
// completion list them without loading zod or the config code.
import schema from "../../schema/config.schema.json" with { type: "json" }
import { dict } from "../protocol/json.ts"

interface SchemaNode {
  type?: string
  description?: string
  properties?: Record<string, SchemaNode>
  /** the settings of keys named by the user (an ACP agent under harnesses) */
  additionalProperties?: SchemaNode
}

/** Stands for a name the user picks in a key: `harnesses.<name>.acp`. */
const ANY_NAME = "<name>"

export interface KnownKey {
  key: string
  type: string
  description: string
}

/** Every leaf setting, e.g. `harnesses.opencode.binary`, with its type and description. */
export function knownKeys(): KnownKey[] {
  const keys: KnownKey[] = []
  const visit = (node: SchemaNode, path: string[]) => {
    if (node.properties) {
      // `$schema` is for editors, not a setting.
      for (const [name, inner] of Object.entries(node.properties)) if (!name.startsWith("$")) visit(inner, [...path, name])
      if (node.additionalProperties?.properties) visit(node.additionalProperties, [...path, ANY_NAME])
    } else keys.push({ key: path.join("."), type: node.type ?? "any", description: node.description ?? "" })
  }
  visit(schema as SchemaNode, [])
  return keys
}

/** The setting `key` is, e.g. `harnesses.<name>.acp` for `harnesses.qwen.acp`; a named key wins. */
export function knownKey(key: string): KnownKey | undefined {
  const parts = key.split(".")
  const matches = (known: KnownKey) => {
    const pattern = known.key.split(".")
    return pattern.length === parts.length && pattern.every((part, i) => part === parts[i] || part === ANY_NAME)
  }
  const keys = knownKeys()
  return keys.find((k) => k.key === key) ?? keys.find(matches)
}

/** Each value set in a config object with its dotted key, depth first in the file's order; an empty object or an array is one value. */
export function leaves(config: Record<string, unknown>): [string, unknown][] {
  const found: [string, unknown][] = []
  const visit = (value: unknown, path: string[]) => {
    const object = dict(value)
    if (object && Object.keys(object).length) for (const [key, inner] of Object.entries(object)) visit(inner, [...path, key])
    else found.push([path.join("."), value])
  }
  for (const [key, value] of Object.entries(config)) visit(value, [key])
  return found
}
