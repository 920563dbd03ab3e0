import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // The client is tested against the real server (a child process) and one real Kafka broker.
    globalSetup: ['../scripts/lib/vitest-kafka-setup.mjs'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
