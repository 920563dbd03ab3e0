import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One broker per test run; each test gets its own random topics and users. TEST_DB=postgres
    // adds one Postgres, with a database per test server.
    globalSetup: ['../scripts/lib/vitest-kafka-setup.mjs', '../scripts/lib/vitest-postgres-setup.mjs'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
  },
});
