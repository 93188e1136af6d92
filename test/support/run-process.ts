// Runs a real process without blocking the event loop, so loopback servers in the test process keep
// answering while it runs.

export interface Result {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: Record<string, string | undefined>
  cwd?: string
  stdin?: string
}

export async function run(command: string[], options: RunOptions = {}): Promise<Result> {
  const child = Bun.spawn(command, {
    cwd: options.cwd,
    env: options.env as Record<string, string> | undefined,
    stdin: options.stdin === undefined ? "ignore" : new TextEncoder().encode(options.stdin),
    stdout: "pipe",
    stderr: "pipe",
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ])
  return { code, stdout, stderr }
}

/** Like run, but a non-zero exit fails with everything the process printed. */
export async function runOk(command: string[], options: RunOptions = {}): Promise<Result> {
  const result = await run(command, options)
  if (result.code !== 0) {
    throw new Error(`${command.join(" ")} exited ${result.code}\n${result.stdout}\n${result.stderr}`)
  }
  return result
}
