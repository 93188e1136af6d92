// `bun run build` compiles the host binary to dist/iterate.
import pkg from "../package.json" with { type: "json" }

const result = Bun.spawnSync(
  [
    process.execPath,
    "build",
    "--compile",
    // Startup: bytecode skips parsing, and splitting keeps the server, SQLite and Hono code in
    // chunks the client path never loads (--version 53 ms -> 15 ms on the 2-core dev machine).
    "--minify",
    "--bytecode",
    "--splitting",
    "--format=esm",
    `--define=ITERATE_VERSION=${JSON.stringify(pkg.version)}`,
    "src/index.ts",
    "--outfile",
    "dist/iterate",
  ],
  { stdio: ["inherit", "inherit", "inherit"], cwd: new URL("..", import.meta.url).pathname },
)
process.exit(result.exitCode ?? 1)
