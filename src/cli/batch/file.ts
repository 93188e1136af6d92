// A batch's task file: one task a line, either a JSON object {"prompt", "name"?, "harness"?,
// "model"?} or the prompt itself as plain text; blank lines and lines starting with # are skipped.
// Pure, so that a file is checked whole before anything starts.

export interface FileTask {
  prompt: string
  name?: string
  harness?: string
  model?: string
  /** its line in the file, from 1 */
  line: number
}

const FIELDS = ["prompt", "name", "harness", "model"] as const

/** A line that is not a task; the message names the line. */
export class TaskFileError extends Error {}

/** The file's tasks in order; throws TaskFileError at the first line that is no task. */
export function parseTaskFile(text: string): FileTask[] {
  const tasks: FileTask[] = []
  text.split(/\r?\n/).forEach((raw, at) => {
    const line = at + 1
    const content = raw.trim()
    if (content === "" || content.startsWith("#")) return
    if (!content.startsWith("{")) return void tasks.push({ prompt: content, line })
    let value: unknown
    try {
      value = JSON.parse(content)
    } catch (error) {
      throw new TaskFileError(`line ${line}: not valid JSON (${(error as Error).message})`)
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new TaskFileError(`line ${line}: a task is a JSON object`)
    const fields = value as Record<string, unknown>
    const unknown = Object.keys(fields).find((key) => !(FIELDS as readonly string[]).includes(key))
    if (unknown !== undefined) throw new TaskFileError(`line ${line}: unknown field ${JSON.stringify(unknown)} (a task has ${FIELDS.join(", ")})`)
    for (const key of FIELDS) {
      const field = fields[key]
      if (field === undefined && key !== "prompt") continue
      if (typeof field !== "string" || field.trim() === "") throw new TaskFileError(`line ${line}: ${key} must be a non-empty string`)
    }
    const { prompt, name, harness, model } = fields as Record<(typeof FIELDS)[number], string | undefined>
    tasks.push({ prompt: prompt!, ...(name !== undefined && { name }), ...(harness !== undefined && { harness }), ...(model !== undefined && { model }), line })
  })
  if (tasks.length === 0) throw new TaskFileError("no tasks in it (one a line: a prompt, or a JSON object with a prompt)")
  return tasks
}
