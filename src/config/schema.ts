// What config.json may hold, as one zod schema: readConfig validates with it, `iterate config`
// refuses values it rejects, and schema/config.schema.json (what `$schema` in the file points
// editors at) is generated from it (`bun run generate:schema`; a test fails when it is stale).
// Every object is loose: keys iterate does not know are allowed and kept.
import { z } from "zod"
import { PERMISSION_POLICIES } from "../protocol/agent-events.ts"
import { splitCommandLine } from "./command-line.ts"

export const SCHEMA_URL = "https://raw.githubusercontent.com/iterate/iterate/main/schema/config.schema.json"

// Absolute on POSIX or Windows: the daemon runs with its own working directory, so a relative
// path would silently mean something else there.
const absolutePath = z.string().regex(/^(\/|[A-Za-z]:[\\/]|\\\\)/, "must be an absolute path")

const idleTimeoutMs = (what: string, byDefault: number) =>
  z.number().int().min(0).describe(`milliseconds ${what} (default ${byDefault})`).optional()

const harness = (name: string, install: string, more: z.ZodRawShape = {}) =>
  z
    .looseObject({
      binary: absolutePath
        .describe(`the ${name} executable to run; default: \`${name}\` on PATH (${install})`)
        .optional(),
      ...more,
    })
    .describe(`the ${name} harness`)
    .optional()

// What an agent's stream calls its harness (iterate:agent:harness:<name>:…): a configured ACP agent's
// name becomes part of every event type it appends.
export const HARNESS_NAME = /^[a-z0-9][a-z0-9-]*$/

const commandLine = z
  .union([
    z.string().superRefine((line, context) => {
      try {
        splitCommandLine(line)
      } catch (error) {
        context.addIssue({ code: "custom", message: `must be a command line: ${(error as Error).message}` })
      }
    }),
    z.array(z.string().min(1, "must not hold an empty word")).min(1, "must name a command"),
  ])
  .describe("the command that starts the agent speaking ACP on stdio: one line, split as a shell would (nothing expanded), or its words as an array")

/** An Agent Client Protocol agent's section; `byDefault` is the command of a built-in one. */
const acpAgent = (what: string, byDefault?: string) =>
  z
    .looseObject({
      acp: (byDefault ? commandLine.describe(`${commandLine.description}; default: ${byDefault}`) : commandLine).optional(),
      env: z.record(z.string(), z.string()).describe("variables added to the agent's environment").optional(),
      idleTimeoutMs: idleTimeoutMs("an idle agent process stays up; the next prompt restores its session", 600_000),
      startTimeoutMs: z.number().int().min(1).describe("milliseconds the agent has to answer ACP's initialize when it starts (default 30000)").optional(),
    })
    .describe(what)

// The harnesses that are not ACP agents: an `acp` command under one of their names would be ignored.
const NATIVE_HARNESSES = {
  opencode: harness("opencode", "npm i -g opencode-ai", {
    idleTimeoutMs: idleTimeoutMs("after which opencode unloads the project of a directory no agent used; 0 never", 300_000),
  }),
  claude: harness("claude", "npm i -g @anthropic-ai/claude-code", {
    idleTimeoutMs: idleTimeoutMs("an idle claude process of an agent stays up; the next prompt resumes its session", 600_000),
  }),
  pi: harness("pi", "npm i -g @mariozechner/pi-coding-agent", {
    idleTimeoutMs: idleTimeoutMs("an idle pi process of an agent stays up; the next prompt resumes its session", 600_000),
    runtime: z
      .string()
      .min(1)
      .describe('what runs pi\'s CLI script: "bun", "node" or a path; default: iterate\'s own Bun')
      .optional(),
  }),
  codex: harness("codex", "npm i -g @openai/codex@0.169.0", {
    idleTimeoutMs: idleTimeoutMs("the codex app-server stays up with no agent using it; the next prompt starts it again and resumes the agent's thread", 600_000),
    startTimeoutMs: z.number().int().min(1).describe("milliseconds the codex app-server may take to answer initialize (default 30000)").optional(),
  }),
}

export const ConfigSchema = z
  .looseObject({
    $schema: z.string().describe("the JSON Schema editors check this file with").optional(),
    harnesses: z
      .object({
        ...NATIVE_HARNESSES,
        gemini: acpAgent("Gemini CLI, an ACP agent (npm i -g @google/gemini-cli)", "gemini --acp").optional(),
        qwen: acpAgent("Qwen Code, an ACP agent (npm i -g @qwen-code/qwen-code)", "qwen --acp").optional(),
      })
      .catchall(acpAgent("any other Agent Client Protocol agent, by the name --harness takes: harnesses.<name>.acp is its command").optional())
      .superRefine((harnesses, context) => {
        for (const [name, section] of Object.entries(harnesses)) {
          if ((section as { acp?: unknown } | undefined)?.acp === undefined) continue
          if (name in NATIVE_HARNESSES)
            context.addIssue({ code: "custom", path: [name, "acp"], message: `cannot be set: ${name} is a built-in harness that does not speak ACP; give the ACP agent a name of its own (e.g. harnesses.${name}-acp.acp)` })
          else if (!HARNESS_NAME.test(name))
            context.addIssue({ code: "custom", path: [name], message: "is no harness name: use lower-case letters, digits and dashes" })
        }
      })
      .describe("settings of each harness, read when the daemon starts")
      .optional(),
    store: z
      .string()
      .regex(/^postgres(ql)?:\/\/./, "must be a postgres:// URL")
      .describe("keep streams and agents in this PostgreSQL database (postgres://user:password@host/db) instead of SQLite")
      .optional(),
    acp: z
      .looseObject({
        harness: z
          .string()
          .regex(HARNESS_NAME, "must be a harness name such as opencode, claude, pi, codex, gemini or a configured ACP agent's")
          .describe("the harness of the agents its new sessions make (default opencode)")
          .optional(),
        model: z.string().min(1).describe("their model, provider/model (default: the harness's own)").optional(),
        permissions: z.enum(PERMISSION_POLICIES, `must be ${PERMISSION_POLICIES.join(", ")}`).describe("their permission policy (default ask: the editor is asked)").optional(),
      })
      .describe("`iterate acp`, the editors' agent server; its flags win over these")
      .optional(),
    node: z
      .looseObject({
        roots: z
          .array(absolutePath)
          .describe("the folders under which this node runs agents, and adopts those of a node that died (a shared store); default: your home folder")
          .optional(),
        leaseTtlMs: z
          .number()
          .int()
          .min(1000)
          .describe("milliseconds a node's lease on an agent lasts unrenewed before another node may take it over (default 15000)")
          .optional(),
      })
      .describe("this node of a fleet sharing a PostgreSQL store")
      .optional(),
    web: z
      .looseObject({
        roots: z.array(absolutePath).describe("the folders the web UI may start agents in").optional(),
      })
      .describe("the web UI")
      .optional(),
    agents: z
      .looseObject({
        budgetUsd: z
          .number()
          .min(0)
          .describe("dollars a new agent may spend before its prompts are refused, unless it is made with a budget of its own (default: no budget)")
          .optional(),
      })
      .describe("defaults for new agents, read when the daemon starts")
      .optional(),
  })
  .meta({ $id: SCHEMA_URL, title: "iterate config.json" })

export type Config = z.infer<typeof ConfigSchema>

/** The JSON Schema of config.json, as committed in schema/config.schema.json. */
export function configJsonSchema(): string {
  return JSON.stringify(z.toJSONSchema(ConfigSchema, { target: "draft-2020-12" }), null, 2) + "\n"
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`)

/** `web.roots[1]` for ["web", "roots", 1]. */
export function keyOf(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === "number" ? `[${part}]` : `${i ? "." : ""}${String(part)}`)).join("")
}

export interface ConfigProblem {
  path: PropertyKey[]
  /** one line: `harnesses.opencode.binary must be an absolute path` */
  message: string
}

/** What is wrong with a parsed config.json, one line per problem; empty when it is fine. */
export function configProblems(value: unknown): ConfigProblem[] {
  const result = ConfigSchema.safeParse(value)
  if (result.success) return []
  return result.error.issues.map((issue) => {
    const what = issue.code === "invalid_type" ? `must be ${article(issue.expected)}` : issue.message
    return { path: issue.path, message: issue.path.length ? `${keyOf(issue.path)} ${what}` : `the file ${what.replace("must be", "must hold")}` }
  })
}
