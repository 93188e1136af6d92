import { InvalidArgumentError } from "commander"

/** Commander parser for a whole number ≥ min; bad values are usage errors (exit 2). */
export function integer(name: string, min = 0) {
  return (value: string) => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`)
    return n
  }
}

/** Commander reducer for a repeatable option. */
export const collect = (value: string, previous: string[]) => [...previous, value]

export function format(value: string): "text" | "json" {
  if (value !== "text" && value !== "json") throw new InvalidArgumentError("--format must be text or json")
  return value
}
