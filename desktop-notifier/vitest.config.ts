import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The integration test runs the real server against one real Kafka broker.
    globalSetup: ['../scripts/lib/vitest-kafka-setup.mjs'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
