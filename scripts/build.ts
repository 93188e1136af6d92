// `bun run build` compiles the host binary to dist/iterate.
import pkg from "../package.json" with { type: "json" }

const result = Bun.spawnSync(
  [
    process.execPath,
    "build",
    "--compile",
    "--minify",
    `--define=ITERATE_VERSION=${JSON.stringify(pkg.version)}`,
    "src/index.ts",
    "--outfile",
    "dist/iterate",
  ],
  { stdio: ["inherit", "inherit", "inherit"], cwd: new URL("..", import.meta.url).pathname },
)
process.exit(result.exitCode ?? 1)
