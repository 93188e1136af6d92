import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts", "test/postgres-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Black-box tests spawn daemons and harness processes; two cores are shared by them.
    maxWorkers: 2,
    // Under `bun --bun`, the default forks pool cannot start its workers (Bun's child_process
    // has no channel.unref); worker threads run fine.
    pool: "threads",
  },
})
