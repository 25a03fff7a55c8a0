import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // most test files wait on child processes, browsers, ssh or the lab rather than compute: two at a time on
    // a 2-core machine (vitest's default would be one) roughly halves the suite's wall time
    maxWorkers: 2,
  },
});
