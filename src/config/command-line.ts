// A command line given as one string in config.json (`harnesses.qwen.acp: "qwen --acp"`), split
// into words as a POSIX shell splits them: blanks separate words, single quotes keep everything,
// double quotes keep everything but `\"`, `\\`, `\$` and `` \` ``, and a backslash outside quotes
// keeps the character after it. Nothing is expanded (no $VAR, ~ or globs): the words are run as
// they are, with no shell in between. Import-free: the config schema checks with it too.

/** The words of `line`; throws an Error saying what is wrong (an open quote, no words at all). */
export function splitCommandLine(line: string): string[] {
  const words: string[] = []
  let word: string | undefined
  let quote: "'" | '"' | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quote === "'") {
      if (c === "'") quote = undefined
      else word = (word ?? "") + c
    } else if (quote === '"') {
      if (c === '"') quote = undefined
      else if (c === "\\" && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1]!)) {
        // A backslash before a newline joins the lines; before the others it keeps the character.
        if (line[++i] !== "\n") word = (word ?? "") + line[i]
      } else word = (word ?? "") + c
    } else if (c === "'" || c === '"') {
      quote = c
      word ??= ""
    } else if (c === "\\") {
      if (i + 1 === line.length) throw new Error("it ends with a backslash")
      if (line[++i] !== "\n") word = (word ?? "") + line[i]
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word)
      word = undefined
    } else word = (word ?? "") + c
  }
  if (quote) throw new Error(`a ${quote === "'" ? "single" : "double"} quote is not closed`)
  if (word !== undefined) words.push(word)
  if (words.length === 0) throw new Error("it names no command")
  return words
}

