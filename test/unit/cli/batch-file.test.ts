// The task file of `iterate batch`: JSON lines and plain lines, checked whole before anything starts.
import { describe, expect, test } from "vitest"
import { parseTaskFile } from "../../../src/cli/batch/file.ts"

describe("task files", () => {
  test("JSON lines and plain prompts mix; blank lines and # comments are skipped; each task keeps its line", () => {
    const file = [
      "# tasks for the release",
      '{"prompt": "add a --verbose flag", "name": "verbose", "harness": "claude", "model": "anthropic/claude-sonnet-4-5"}',
      "",
      "  write the changelog  ",
      '{"prompt": "fix the typo in {curly} README"}',
      "\r",
    ].join("\r\n")
    expect(parseTaskFile(file)).toEqual([
      { prompt: "add a --verbose flag", name: "verbose", harness: "claude", model: "anthropic/claude-sonnet-4-5", line: 2 },
      { prompt: "write the changelog", line: 4 },
      { prompt: "fix the typo in {curly} README", line: 5 },
    ])
  })

  test("a line that is no task is named by its number", () => {
    const at = (text: string) => {
      try {
        parseTaskFile(text)
        return "parsed"
      } catch (error) {
        return (error as Error).message
      }
    }
    expect(at('one\n{"prompt": "two"\nthree')).toMatch(/^line 2: not valid JSON \(.+\)$/)
    expect(at('{"prompt": "a", "promt": "b"}')).toBe('line 1: unknown field "promt" (a task has prompt, name, harness, model)')
    expect(at("a\n\n{}")).toBe("line 3: prompt must be a non-empty string")
    expect(at('{"prompt": "a", "name": 3}')).toBe("line 1: name must be a non-empty string")
    expect(at('{"prompt": "  "}')).toBe("line 1: prompt must be a non-empty string")
    expect(at("# only a comment\n\n")).toBe("no tasks in it (one a line: a prompt, or a JSON object with a prompt)")
  })
})
