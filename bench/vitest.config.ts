import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real broker per run (or KAFKA_BROKERS from `npm test`).
    globalSetup: ['../scripts/lib/vitest-kafka-setup.mjs'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
