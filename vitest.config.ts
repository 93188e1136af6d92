import { defineConfig } from "vitest/config"

// Two projects. unit: pure and in-process code (reducers, parsers, config, the adapter behind a
// scripted harness, the subscription manager), no build, no network, no child processes but git.
// e2e: the compiled binary, the real harnesses, real browsers, PostgreSQL; it builds dist/ and
// starts a PostgreSQL cluster once per run.
export default defineConfig({
  test: {
    // Under `bun --bun`, the default forks pool cannot start its workers (Bun's child_process
    // has no channel.unref); worker threads run fine.
    pool: "threads",
    // Black-box tests spawn daemons and harness processes; two cores are shared by them.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 20_000 },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/global-setup.ts", "test/e2e/postgres-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
})
