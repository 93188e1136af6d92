// An agent's todo list, from the tool calls that keep it. Most hold the whole list each time:
// opencode's `todowrite`, Claude Code's `TodoWrite`, Gemini CLI's `write_todos`, and the plans
// Codex (`update_plan`) and ACP agents (`plan` updates) report, which their reducers put as tool
// parts of the same shape. Claude Code's task tools instead add one item a call (`TaskCreate`,
// whose output names the item's id) and change one by id (`TaskUpdate`). The list is those calls
// folded in the order they were made.
import { dict, str } from "../protocol/json.ts"
import type { Todo, TodoStatus, ToolPart } from "./types.ts"

const LIST_TOOLS = new Set(["todowrite", "write_todos", "update_plan"])
const TASK_TOOLS = new Set(["taskcreate", "taskupdate"])

const STATUS: Record<string, TodoStatus> = {
  pending: "pending",
  in_progress: "in_progress",
  "in-progress": "in_progress",
  inprogress: "in_progress",
  completed: "completed",
  done: "completed",
  cancelled: "cancelled",
  canceled: "cancelled",
}

const status = (value: unknown): TodoStatus | undefined => STATUS[String(value).toLowerCase()]

/** Whether the tool part is a call that keeps the agent's todo list. */
export const isTodoTool = (part: ToolPart): boolean => LIST_TOOLS.has(part.tool.toLowerCase()) || TASK_TOOLS.has(part.tool.toLowerCase())

function item(entry: unknown): Todo | undefined {
  const fields = dict(entry)
  // opencode and Claude Code say content, Gemini description, Codex's plan steps step.
  const content = str(fields?.content) ?? str(fields?.description) ?? str(fields?.step)
  if (!content) return undefined
  const priority = str(fields?.priority)
  const activeForm = str(fields?.activeForm)
  return { content, status: status(fields?.status) ?? "pending", ...(priority && { priority }), ...(activeForm && { activeForm }) }
}

// "Task #3 created successfully: Write the fix"
const CREATED = /^Task #(\S+) created/

/** The list the todo calls leave, oldest call first. A call that failed, or holds no list yet (its input still streaming), changes nothing. */
export function foldTodos(calls: Iterable<ToolPart>): Todo[] {
  let todos: Array<Todo & { key?: string }> = []
  for (const call of calls) {
    if (call.status === "error") continue
    const tool = call.tool.toLowerCase()
    const input = dict(call.input)
    if (LIST_TOOLS.has(tool)) {
      if (Array.isArray(input?.todos)) todos = input.todos.flatMap((entry) => item(entry) ?? [])
    } else if (tool === "taskcreate") {
      const content = str(input?.subject)
      if (!content) continue
      const key = CREATED.exec(call.output ?? "")?.[1] ?? `call:${call.id}`
      const activeForm = str(input?.activeForm)
      todos = [...todos.filter((t) => t.key !== key), { key, content, status: "pending", ...(activeForm && { activeForm }) }]
    } else if (tool === "taskupdate") {
      const key = str(input?.taskId)
      if (input?.status === "deleted") todos = todos.filter((t) => t.key !== key)
      else
        todos = todos.map((t) => {
          if (t.key !== key) return t
          const activeForm = str(input?.activeForm) ?? t.activeForm
          return { ...t, content: str(input?.subject) ?? t.content, status: status(input?.status) ?? t.status, ...(activeForm && { activeForm }) }
        })
    }
  }
  return todos.map(({ key: _, ...todo }) => todo)
}
