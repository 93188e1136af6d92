// One finding of `iterate doctor`. A problem always carries the command (or the one step) that fixes it.

export type Status = "ok" | "info" | "problem"

export interface Check {
  /** what was looked at: "daemon", "data folder", "harness opencode", "remote prod" */
  check: string
  status: Status
  message: string
  fix?: string
}

export const ok = (check: string, message: string): Check => ({ check, status: "ok", message })
export const info = (check: string, message: string, fix?: string): Check => ({ check, status: "info", message, ...(fix ? { fix } : {}) })
export const problem = (check: string, message: string, fix: string): Check => ({ check, status: "problem", message, fix })
