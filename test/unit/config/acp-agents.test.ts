// ACP agents in config.json: the command line split as a shell would, the schema's word on each
// `harnesses.<name>` section, and the keys `iterate config` knows for names of the user's.
import { expect, test } from "vitest"
import { splitCommandLine } from "../../../src/config/command-line.ts"
import { knownKey } from "../../../src/config/keys.ts"
import { configProblems } from "../../../src/config/schema.ts"
import { valueJson } from "../../../src/config/edit.ts"

test("a command line splits into words as a shell splits it, with nothing expanded", () => {
  expect(splitCommandLine("qwen --acp")).toEqual(["qwen", "--acp"])
  expect(splitCommandLine("  gemini   --acp\t--model  x ")).toEqual(["gemini", "--acp", "--model", "x"])
  expect(splitCommandLine(`node '/opt/my agent/index.js' "--name=a \\"b\\"" it\\'s`)).toEqual(["node", "/opt/my agent/index.js", '--name=a "b"', "it's"])
  expect(splitCommandLine(`a "" ''`)).toEqual(["a", "", ""])
  expect(splitCommandLine(`echo $HOME ~ *.js "\\$x" 'a\\b'`)).toEqual(["echo", "$HOME", "~", "*.js", "$x", "a\\b"])
  expect(splitCommandLine("a\\ b c\\\nd")).toEqual(["a b", "cd"])
})

test("a command line that is not one says why", () => {
  expect(() => splitCommandLine(`qwen "--acp`)).toThrow("a double quote is not closed")
  expect(() => splitCommandLine(`qwen '--acp`)).toThrow("a single quote is not closed")
  expect(() => splitCommandLine("qwen \\")).toThrow("it ends with a backslash")
  expect(() => splitCommandLine("   ")).toThrow("it names no command")
})

test("an ACP agent's section: a command line or its words, an environment, timeouts", () => {
  expect(configProblems({ harnesses: { qwen: { acp: "qwen --acp" }, "my-agent": { acp: ["/opt/agent", "--acp"], env: { KEY: "v" }, idleTimeoutMs: 0, startTimeoutMs: 5000 } } })).toEqual([])
  expect(configProblems({ harnesses: { gemini: {} } })).toEqual([])
  const messages = (config: unknown) => configProblems(config).map((p) => p.message)
  expect(messages({ harnesses: { qwen: { acp: "qwen '--acp" } } })).toEqual(["harnesses.qwen.acp must be a command line: a single quote is not closed"])
  expect(messages({ harnesses: { x: { acp: [] } } })).toEqual(["harnesses.x.acp must name a command"])
  expect(messages({ harnesses: { x: { acp: "x", env: { A: 1 } } } })).toEqual(["harnesses.x.env.A must be a string"])
  expect(messages({ harnesses: { "My Agent": { acp: "x" } } })).toEqual(["harnesses.My Agent is no harness name: use lower-case letters, digits and dashes"])
  expect(messages({ harnesses: { claude: { acp: "claude-agent-acp" } } })).toEqual([
    "harnesses.claude.acp cannot be set: claude is a built-in harness that does not speak ACP; give the ACP agent a name of its own (e.g. harnesses.claude-acp.acp)",
  ])
  expect(messages({ acp: { harness: "my-agent" } })).toEqual([])
  expect(messages({ acp: { harness: "Not A Name" } })).toEqual(["acp.harness must be a harness name such as opencode, claude, pi, codex, gemini or a configured ACP agent's"])
})

test("iterate config knows harnesses.<name>.acp for any name: a command line stays a string, words are read as JSON", () => {
  expect(knownKey("harnesses.qwen.acp")?.description).toContain("default: qwen --acp")
  expect(knownKey("harnesses.my-agent.acp")?.description).toContain("the command that starts the agent speaking ACP on stdio")
  expect(knownKey("harnesses.my-agent.env")).toBeDefined()
  expect(knownKey("harnesses.my-agent.nonsense")).toBeUndefined()
  expect(valueJson("harnesses.qwen.acp", "qwen --acp")).toBe('"qwen --acp"')
  expect(valueJson("harnesses.x.acp", '["node", "/opt/a.js"]')).toBe('["node", "/opt/a.js"]')
})
