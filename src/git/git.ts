// Running the git CLI: one process per call (Bun.spawn), its output read whole. iterate uses no git
// library: the user's own git, with their config and hooks, does what it would do for them.
// Everything in src/git takes the folder to run in and knows nothing of agents.

/** git exited with an error; the message is its first line of stderr. */
export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number,
    readonly stderr: string,
  ) {
    super(`git ${args.find((a) => !a.startsWith("-")) ?? ""} failed: ${firstLine(stderr) || `exit code ${code}`}`)
  }
}

export interface GitOptions {
  /** the folder git runs in */
  cwd: string
  /** added to the environment (e.g. GIT_INDEX_FILE) */
  env?: Record<string, string>
  /** written to its stdin */
  input?: string
}

export interface GitResult {
  code: number
  stdout: string
  stderr: string
}

// Variables a daemon may have inherited (from a hook, an editor's terminal) that would point git
// at another repository or index than the folder it is run in.
const INHERITED = ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX", "GIT_OBJECT_DIRECTORY"]

function environment(extra: Record<string, string> | undefined): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env }
  for (const name of INHERITED) delete env[name]
  // Never wait for a password on a terminal nobody watches; reads take no optional locks, so a
  // `git status` of ours never makes the user's own git fail on index.lock.
  return { ...env, GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0", ...extra }
}

/** The exit code of a git that is not there: the shell's for a command not found. */
export const NO_GIT = 127

/** Runs git; the exit code is the caller's to judge (NO_GIT when git is not installed). */
export async function runGit(args: string[], options: GitOptions): Promise<GitResult> {
  let child
  try {
    child = Bun.spawn(["git", ...args], {
      cwd: options.cwd,
      env: environment(options.env),
      stdin: options.input === undefined ? "ignore" : new TextEncoder().encode(options.input),
      stdout: "pipe",
      stderr: "pipe",
    })
  } catch (error) {
    if (!/executable not found/i.test((error as Error).message)) throw error
    return { code: NO_GIT, stdout: "", stderr: "git is not installed (not found on PATH)" }
  }
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  return { code, stdout, stderr }
}

/** Runs git and returns its stdout; a GitError when it exits with an error. */
export async function git(args: string[], options: GitOptions): Promise<string> {
  const result = await runGit(args, options)
  if (result.code !== 0) throw new GitError(args, result.code, result.stderr)
  return result.stdout
}

/** The NUL-separated fields of a `-z` output. */
export const fields = (output: string) => output.split("\0").filter((field) => field !== "")

export const firstLine = (text: string) =>
  text
    .split("\n")
    .map((line) => line.replace(/^(fatal|error): /, "").trim())
    .find((line) => line !== "") ?? ""

// Commits iterate makes for itself (snapshots) carry its name; commits made for the user (the
// agent's work, a merge) carry theirs, or iterate's where git knows no identity (a fresh machine,
// a CI runner as root), rather than failing.
export const ITERATE_IDENTITY = {
  GIT_AUTHOR_NAME: "iterate",
  GIT_AUTHOR_EMAIL: "iterate@localhost",
  GIT_COMMITTER_NAME: "iterate",
  GIT_COMMITTER_EMAIL: "iterate@localhost",
}

/** The environment for a commit in `cwd` made for the user: theirs when git has one, else iterate's. */
export async function userIdentity(cwd: string): Promise<Record<string, string>> {
  const [author, committer] = await Promise.all([runGit(["var", "GIT_AUTHOR_IDENT"], { cwd }), runGit(["var", "GIT_COMMITTER_IDENT"], { cwd })])
  return author.code === 0 && committer.code === 0 ? {} : ITERATE_IDENTITY
}
