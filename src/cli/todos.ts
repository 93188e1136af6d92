// `iterate todos A`: the agent's todo list as its newest todo tool call left it
// (src/transcript/todos.ts), read from the daemon, which folds the agent's stream.
import type { Command } from "commander"
import { noAgent } from "../client/agents.ts"
import { connectFor, unwrap } from "../client/connection.ts"
import type { Output } from "../client/output.ts"
import { agentTodos } from "../sdk/sdk.gen.ts"
import type { Todo } from "../sdk/types.gen.ts"

const MARK: Record<Todo["status"], string> = { completed: "[x]", in_progress: "[>]", pending: "[ ]", cancelled: "[-]" }

/** One line a todo: `[x] done`, `[>] being done` (in the words of its active form, where the harness gives one), `[ ] to do`, `[-] cancelled`. */
export const todoLine = (todo: Todo): string => `${MARK[todo.status]} ${todo.status === "in_progress" && todo.activeForm ? todo.activeForm : todo.content}`

async function todos(io: Output, ref: string, options: { json?: boolean }, command: Command): Promise<void> {
  const connection = await connectFor(io, command)
  const { todos } = unwrap(connection, await agentTodos({ client: connection.client, path: { agent: ref } }), { notFound: noAgent(ref) })
  if (options.json) return io.printJson(todos)
  if (todos.length === 0) return io.hint(`agent ${ref} keeps no todo list (yet)`)
  for (const todo of todos) io.out(todoLine(todo))
}

export function registerTodos(program: Command, io: Output): void {
  program
    .command("todos")
    .argument("<agent>", "agent id or name")
    .description("the agent's current todo list (opencode's todowrite, Claude Code's TodoWrite, Codex's plan, an ACP agent's plan)")
    .option("--json", "print JSON: [{content, status, priority?, activeForm?}]")
    .addHelpText("after", "\nExamples:\n  iterate todos app\n  iterate todos app --json | jq -r '.[] | select(.status != \"completed\") | .content'")
    .action((ref, options, command) => todos(io, ref, options, command))
}
