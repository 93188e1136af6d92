// Real git repositories in throwaway folders, for tests of iterate's git work: a checkout on
// branch main with one commit, files written and committed by the test as a person would.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { AgentError } from "../../src/agents/errors.ts"
import { scratchDir } from "./scratch.ts"

/** The identity of the person who works in a test repository. */
export const PERSON = { name: "Pat Example", email: "pat@example.com" }

export class TestRepo {
  constructor(readonly root: string) {}

  /** Runs git in the repository (or `cwd`); throws with its stderr when it fails. */
  git(args: string[], cwd = this.root): string {
    const result = Bun.spawnSync(["git", ...args], { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1" } })
    if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")} failed: ${result.stderr.toString()}`)
    return result.stdout.toString()
  }

  write(path: string, content: string, root = this.root): void {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), content)
  }

  read(path: string, root = this.root): string {
    return readFileSync(join(root, path), "utf8")
  }

  /** Commits everything with `message`; returns the commit. */
  commit(message: string, cwd = this.root): string {
    this.git(["add", "--all"], cwd)
    this.git(["commit", "--quiet", "-m", message], cwd)
    return this.head(cwd)
  }

  head(cwd = this.root): string {
    return this.git(["rev-parse", "HEAD"], cwd).trim()
  }

  /** `git status --porcelain`: empty for a clean checkout. */
  status(cwd = this.root): string {
    return this.git(["status", "--porcelain", "--untracked-files=all"], cwd)
  }
}

/** A new repository on main whose first commit holds `files` (a README by default), in a throwaway folder. */
export function testRepo(files: Record<string, string> = { "README.md": "# project\n" }, name = "project"): TestRepo {
  const root = join(scratchDir("git"), name)
  mkdirSync(root)
  return initRepo(root, files)
}

/** Makes the folder `root` a repository on main, with the test person's identity, whose first commit holds what is there and `files`. */
export function initRepo(root: string, files: Record<string, string>): TestRepo {
  const repo = new TestRepo(root)
  repo.git(["init", "--quiet", "--initial-branch=main"])
  repo.git(["config", "user.name", PERSON.name])
  repo.git(["config", "user.email", PERSON.email])
  for (const [path, content] of Object.entries(files)) repo.write(path, content)
  repo.commit("first")
  return repo
}

/** The AgentError that `work` is refused with: its code and message. */
export async function refusal(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await work.then(
    () => undefined,
    (error: unknown) => error,
  )
  if (!(error instanceof AgentError)) throw new Error(`expected a refusal (AgentError), got ${String(error)}`)
  return { code: error.code, message: error.message }
}
