// Claude Code's todo list through the compiled binary: the real claude keeps one with its task
// tools (which iterate turns on for it), and `iterate todos` reads it as any other harness's.
import { describe, expect, test } from "vitest"
import { useAgentSandbox } from "../../support/agent-sandbox.ts"
import { text, toolUse, useAnthropicStub } from "../../support/anthropic-stub.ts"

const stub = useAnthropicStub()
const agents = useAgentSandbox(stub, "claude")

describe("Claude Code's todo list", { timeout: 120_000 }, () => {
  test("the task tools' items, as their last update left them", async () => {
    stub.reply(
      toolUse("TaskCreate", { subject: "Read the code", description: "Find where it fails", activeForm: "Reading the code" }),
      toolUse("TaskCreate", { subject: "Write the fix", description: "Fix it", activeForm: "Writing the fix" }),
      toolUse("TaskUpdate", { taskId: "1", status: "completed" }),
      toolUse("TaskUpdate", { taskId: "2", status: "in_progress" }),
      text("Planned."),
    )
    await agents.iterate(["run", "--harness", "claude", "--dir", agents.project, "--permissions", "allow-edits", "plan the fix"])
    expect((await agents.iterate(["todos", "project"])).stdout).toBe("[x] Read the code\n[>] Writing the fix\n")
    expect(JSON.parse((await agents.iterate(["todos", "project", "--json"])).stdout)).toEqual([
      { content: "Read the code", activeForm: "Reading the code", status: "completed" },
      { content: "Write the fix", activeForm: "Writing the fix", status: "in_progress" },
    ])
  })
})
