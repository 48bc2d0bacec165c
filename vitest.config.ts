import { defineConfig } from 'vitest/config';

// One run over every workspace. Tests that touch Postgres or Redis create their own
// database and queue prefix, so files may run in parallel.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    // Builds apps/cli/dist (the bundle `loglore` runs) before any test file.
    globalSetup: ['./vitest.global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Tests that spawn whole loglore processes and signal them (start, shutdown, faults) can lose
    // a race on a loaded two-core CI machine; CI retries a failed test twice, as Playwright does on
    // CI. Locally nothing is retried, so a flake is seen where it is made.
    retry: process.env.CI ? 2 : 0,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
