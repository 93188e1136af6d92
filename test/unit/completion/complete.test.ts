// Completion is computed from the command tree itself: these run in-process on the real program.
import { Argument } from "commander"
import { expect, test } from "vitest"
import { buildProgram } from "../../../src/cli/program.ts"
import { complete, completionLines } from "../../../src/cli/completion/complete.ts"
import { names } from "../../../src/cli/completion/names.ts"

const values = async (words: string[], program = buildProgram()) => (await complete(program, words, { names })).candidates.map((c) => c.value)

test("a command added to the tree completes, with its options and choices, without touching the scripts", async () => {
  const program = buildProgram()
  program
    .command("zzz-later")
    .description("a command from the future")
    .option("--flavour <flavour>", "how it tastes")
    .addArgument(new Argument("<size>").choices(["small", "large"]))
  expect(await complete(program, ["zzz"], { names })).toEqual({ candidates: [{ value: "zzz-later", description: "a command from the future" }], paths: undefined })
  expect(await values(["zzz-later", "--f"], program)).toEqual(["--flavour"])
  expect(await values(["zzz-later", "--flavour", "sweet", ""], program)).toEqual(["small", "large"])
})

test("hidden commands are never offered, and a prefix narrows the rest", async () => {
  expect(await values(["__"])).toEqual([])
  expect(await values(["s"])).toEqual(["search", "streams", "serve", "server", "service"])
})

test("option values: a --dir wants directories, --format its two words; the value is not taken for an argument", async () => {
  expect(await complete(buildProgram(), ["agents", "new", "--dir", ""], { names })).toEqual({ candidates: [], paths: "dirs" })
  expect(await values(["streams", "read", "--format", ""])).toEqual(["text", "json"])
  expect(await values(["upgrade", "--method", "n"])).toEqual(["npm"])
  expect(await values(["server", "logs", "-n", "5", "--"])).toEqual(["--follow", "--lines", "--help"])
})

test("an argument named file wants files: the task file of iterate batch", async () => {
  expect(await complete(buildProgram(), ["batch", ""], { names })).toEqual({ candidates: [], paths: "files" })
})

test("a group's default subcommand lends its options (iterate agents --json)", async () => {
  expect(await values(["agents", "--j"])).toEqual(["--json"])
})

test("the printed lines: value and description split by a tab, descriptions on one line, paths last", () => {
  expect(
    completionLines({
      candidates: [{ value: "a", description: "first\n  line" }, { value: "b" }, { value: ":odd" }, { value: "" }],
      paths: "files",
    }),
  ).toEqual(["a\tfirst line", "b", ":files"])
})
