// Every black-box test runs the real compiled binary; build it once per run.
export default function setup() {
  const build = Bun.spawnSync(["bun", "run", "build"], { cwd: new URL("../..", import.meta.url).pathname, stdio: ["ignore", "ignore", "pipe"] })
  if (build.exitCode !== 0) throw new Error(`bun run build failed:\n${build.stderr.toString()}`)
}
