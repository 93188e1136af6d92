import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    // Under `bun --bun`, the default forks pool cannot start its workers (Bun's child_process
    // has no channel.unref); worker threads run fine.
    pool: "threads",
  },
})
