// The daemon's OpenAPI document as the fuzzer sees it: its operations, and request bodies built
// from their schemas (a valid-looking one, then each field of it broken in turn).

export interface Schema {
  $ref?: string
  type?: string | string[]
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  additionalProperties?: Schema | boolean
  enum?: unknown[]
  const?: unknown
  anyOf?: Schema[]
  oneOf?: Schema[]
  allOf?: Schema[]
  minimum?: number
  maximum?: number
  minItems?: number
  minLength?: number
  example?: unknown
}

interface Parameter {
  name: string
  in: "path" | "query" | "header" | "cookie"
  required?: boolean
  schema?: Schema
}

interface RawOperation {
  operationId?: string
  parameters?: Parameter[]
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> }
}

export interface OpenApiDocument {
  openapi: string
  paths: Record<string, Record<string, RawOperation>>
  components?: { schemas?: Record<string, Schema> }
}

export interface Operation {
  /** e.g. "POST /v1/streams/{name}/events" */
  key: string
  method: string
  path: string
  operationId: string
  pathParams: string[]
  queryParams: Parameter[]
  headerParams: Parameter[]
  body?: { required: boolean; contentTypes: string[]; schema?: Schema }
}

const METHODS = ["get", "head", "post", "put", "delete", "patch", "options"]

export function operations(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = []
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue
      const parameters = op.parameters ?? []
      const content = op.requestBody?.content ?? {}
      const contentTypes = Object.keys(content)
      out.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        operationId: op.operationId ?? `${method} ${path}`,
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
        queryParams: parameters.filter((p) => p.in === "query"),
        headerParams: parameters.filter((p) => p.in === "header"),
        body: op.requestBody && {
          required: op.requestBody.required === true,
          contentTypes,
          schema: content["application/json"]?.schema,
        },
      })
    }
  return out
}

/** Follows `$ref`s into components.schemas. */
export function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  let s = schema
  while (s.$ref) {
    const name = s.$ref.replace("#/components/schemas/", "")
    const target = doc.components?.schemas?.[name]
    if (!target) throw new Error(`unresolved $ref ${s.$ref}`)
    s = target
  }
  return s
}

/** Values for fields the schema alone cannot fill sensibly (a real directory, a stream that exists). */
export type Hints = Record<string, (schema: Schema) => unknown>

/** A value that fits `schema`, preferring hints (by property name), then examples, enums and bounds. */
export function sample(doc: OpenApiDocument, schema: Schema, hints: Hints, name?: string): unknown {
  const s = resolve(doc, schema)
  if (name !== undefined && hints[name]) return hints[name](s)
  if (s.const !== undefined) return s.const
  if (s.example !== undefined) return s.example
  if (s.enum) return s.enum[0]
  const variants = s.anyOf ?? s.oneOf ?? s.allOf
  if (variants) return sample(doc, variants[0]!, hints, name)
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type
  switch (type) {
    case "object": {
      const value: Record<string, unknown> = {}
      for (const [key, property] of Object.entries(s.properties ?? {})) value[key] = sample(doc, property, hints, key)
      return value
    }
    case "array":
      return Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => sample(doc, s.items ?? {}, hints))
    case "string":
      return "x".repeat(Math.max(1, s.minLength ?? 1))
    case "integer":
    case "number":
      return s.minimum ?? 1
    case "boolean":
      return true
    default:
      return { note: "anything" }
  }
}

type JsonPath = (string | number)[]

/** Every field of a JSON value, objects' keys and arrays' first elements, up to `depth` levels down. */
export function fieldPaths(value: unknown, depth = 3, at: JsonPath = []): JsonPath[] {
  if (depth === 0 || value === null || typeof value !== "object") return []
  const entries: [string | number, unknown][] = Array.isArray(value) ? (value.length ? [[0, value[0]]] : []) : Object.entries(value)
  return entries.flatMap(([key, child]) => [[...at, key], ...fieldPaths(child, depth - 1, [...at, key])])
}

/** A deep copy of `value` with the field at `path` replaced (or removed, for `REMOVE`). */
export function withField(value: unknown, path: JsonPath, replacement: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>
  let parent = copy
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>
  const last = path[path.length - 1]!
  if (replacement === REMOVE) {
    if (Array.isArray(parent)) parent.splice(last as number, 1)
    else delete parent[last]
  } else parent[last] = replacement
  return copy
}

export const REMOVE = Symbol("remove")

/** JSON text put into a body as it is: nesting deeper than JSON.stringify can produce. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify, with RawJson values spliced in verbatim. */
export function encodeJson(value: unknown): string {
  const raw: string[] = []
  const text = JSON.stringify(value, (_, v) => (v instanceof RawJson ? `@@raw${raw.push(v.text) - 1}@@` : v))
  return text.replace(/"@@raw(\d+)@@"/g, (_, i) => raw[Number(i)]!)
}

const nested = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf
  for (let i = 0; i < depth; i++) value = { a: value }
  return value
}

/** What each field is replaced with, one at a time: wrong types, null, absence, extremes. */
export const FIELD_MUTATIONS: [label: string, value: unknown][] = [
  ["missing", REMOVE],
  ["null", null],
  ["true", true],
  ["0", 0],
  ["-1", -1],
  ["1.5", 1.5],
  ["2^53+1", 2 ** 53 + 1],
  ["1e308", 1e308],
  ["-1e308", -1e308],
  ["empty string", ""],
  ["whitespace", " \t\n"],
  ["100k string", "x".repeat(100_000)],
  ["NUL string", "a\u0000b"],
  ["lone surrogate", "\ud800"],
  ["emoji and RTL", "😀\u202e日本"],
  ["numeric string", "123"],
  ["path string", "../../etc/passwd"],
  ["empty array", []],
  ["array of junk", [null, 1, "x", {}, []]],
  ["empty object", {}],
  ["object", { nope: 1 }],
  ["object that cannot be a string", { toString: 1, valueOf: 1 }],
  ["nested 100", nested(100)],
  ["nested 200k objects", new RawJson(`${'{"a":'.repeat(200_000)}1${"}".repeat(200_000)}`)],
  ["nested 200k arrays", new RawJson(`${"[".repeat(200_000)}${"]".repeat(200_000)}`)],
]

/** Unknown keys added next to the known ones. */
export const EXTRA_FIELDS: [label: string, key: string, value: unknown][] = [
  ["extra field", "extra", "x"],
  ["__proto__", "__proto__", { polluted: true, isAdmin: true }],
  ["constructor", "constructor", { prototype: { polluted: true } }],
  ["toString", "toString", 1],
]
