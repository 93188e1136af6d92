// The agent's permission policy and how a request asked again is recognised, in process.
import { describe, expect, test } from "vitest"
import { matchKey, newPermissionId, policyDecision } from "../../../src/agents/policy.ts"

describe("permission policies", () => {
  const edit = { tool: "edit", kind: "edit" as const }
  const command = { tool: "bash", kind: "command" as const }

  test("ask leaves everything to a person; deny refuses and allow-all allows everything", () => {
    expect([edit, command].map((ask) => policyDecision("ask", [], ask))).toEqual([undefined, undefined])
    expect([edit, command].map((ask) => policyDecision("deny", [], ask))).toEqual(["deny", "deny"])
    expect([edit, command].map((ask) => policyDecision("allow-all", [], ask))).toEqual(["allow", "allow"])
  })

  test("allow-edits allows file edits only; a tool answered always is allowed whatever the policy, but deny", () => {
    expect([edit, command].map((ask) => policyDecision("allow-edits", [], ask))).toEqual(["allow", undefined])
    expect(policyDecision("ask", ["bash"], command)).toBe("allow")
    expect(policyDecision("deny", ["bash"], command)).toBe("deny")
  })

  test("the same tool call has the same key whatever the order of its input's fields; another one does not", () => {
    const a = matchKey({ tool: "bash", summary: "run `ls`", input: { patterns: ["ls"], metadata: { command: "ls", cwd: "/p" } } })
    expect(matchKey({ tool: "bash", summary: "other", input: { metadata: { cwd: "/p", command: "ls" }, patterns: ["ls"] } })).toBe(a)
    expect(matchKey({ tool: "bash", summary: "run `ls`", input: { patterns: ["ls -a"], metadata: { command: "ls -a" } } })).not.toBe(a)
    expect(matchKey({ tool: "edit", summary: "run `ls`", input: { patterns: ["ls"], metadata: { command: "ls", cwd: "/p" } } })).not.toBe(a)
    // Without an input, the summary names the call.
    expect(matchKey({ tool: "bash", summary: "run `ls`" })).toBe(matchKey({ tool: "bash", summary: "run `ls`" }))
    expect(matchKey({ tool: "bash", summary: "run `ls`" })).not.toBe(matchKey({ tool: "bash", summary: "run `pwd`" }))
  })

  test("request ids are perm_ and ten readable characters", () => {
    expect(newPermissionId()).toMatch(/^perm_[a-hj-km-np-z2-9]{10}$/)
  })
})
