// The agent's todo list (transcript.todos, the same list `iterate todos` prints), above the
// composer while it has one.
import type { Todo } from "../transcript/types.ts"

const MARK: Record<Todo["status"], string> = { completed: "✓", in_progress: "▸", pending: "○", cancelled: "✗" }

export function Todos({ todos }: { todos: Todo[] }) {
  if (todos.length === 0) return null
  const done = todos.filter((todo) => todo.status === "completed").length
  return (
    <details class="card todos" open>
      <summary>
        Todo list · {done} of {todos.length} done
      </summary>
      <ol>
        {todos.map((todo, i) => (
          <li key={i} data-status={todo.status}>
            <span class="todo-mark">{MARK[todo.status]}</span> {todo.status === "in_progress" && todo.activeForm ? todo.activeForm : todo.content}
          </li>
        ))}
      </ol>
    </details>
  )
}
