// Codex's approval requests as iterate's permission asks, and iterate's answers as Codex's decisions.
import { describe, expect, test } from "vitest"
import { codexDecision, permissionAsk } from "../../../../src/harness/codex/permissions.ts"
import type { CodexEvent, FileUpdateChange } from "../../../../src/harness/codex/protocol.ts"

const DIR = "/home/me/app"
const command = (params: Record<string, unknown>): CodexEvent => ({ method: "item/commandExecution/requestApproval", id: 3, params: { threadId: "t", turnId: "u", itemId: "i", ...params } })
const patch: CodexEvent = { method: "item/fileChange/requestApproval", id: 4, params: { threadId: "t", turnId: "u", itemId: "i" } }
const change = (path: string, type: "add" | "delete" | "update"): FileUpdateChange => ({ path, kind: type === "update" ? { type, move_path: null } : { type }, diff: "" })

describe("Codex permission asks", () => {
  test("a command is the tool shell with the script it runs; one codex reads as only reading is a read", () => {
    expect(permissionAsk("codex-1", command({ command: "/bin/bash -lc 'npm test'", cwd: DIR, commandActions: [{ type: "unknown", command: "npm test" }] }), undefined, DIR)).toMatchObject({
      nativeId: "codex-1",
      tool: "shell",
      kind: "command",
      summary: "run `npm test`",
      input: { command: "npm test" },
    })
    const read = permissionAsk("codex-2", command({ command: "/bin/bash -lc 'cat a.txt'", cwd: "/tmp", commandActions: [{ type: "read", command: "cat a.txt", name: "a.txt", path: "/tmp/a.txt" }] }), undefined, DIR)
    expect(read).toMatchObject({ kind: "read", input: { command: "cat a.txt", cwd: "/tmp" } })
  })

  test("a patch is apply_patch, summarised by what it does to which files below the agent's directory", () => {
    const ask = (changes: FileUpdateChange[] | undefined) => permissionAsk("codex-3", patch, changes, DIR)
    expect(ask([change(`${DIR}/a.txt`, "add")])).toMatchObject({ tool: "apply_patch", kind: "edit", summary: "write a.txt", input: { changes: [change(`${DIR}/a.txt`, "add")] } })
    expect(ask([change(`${DIR}/src/b.ts`, "update")]).summary).toBe("edit src/b.ts")
    expect(ask([change("/etc/hosts", "delete")]).summary).toBe("delete /etc/hosts")
    expect(ask([change(`${DIR}/a.txt`, "update"), change(`${DIR}/b.txt`, "add")]).summary).toBe("edit a.txt, b.txt")
    expect(ask(undefined).summary).toBe("apply a patch")
  })

  test("allow is accept, deny is decline, always is acceptForSession where codex offers it", () => {
    const offered = command({ availableDecisions: ["accept", "acceptForSession", "cancel"] })
    const notOffered = command({ availableDecisions: ["accept", { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["ls"] } }, "cancel"] })
    expect(codexDecision(offered, { decision: "allow" })).toBe("accept")
    expect(codexDecision(offered, { decision: "deny", message: "not now" })).toBe("decline")
    expect(codexDecision(offered, { decision: "always" })).toBe("acceptForSession")
    expect(codexDecision(notOffered, { decision: "always" })).toBe("accept")
    expect(codexDecision(patch, { decision: "always" })).toBe("acceptForSession")
  })
})
