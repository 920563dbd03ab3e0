// Vitest globalSetup: one real Kafka broker per test run, shared by every test file, which each
// use random topic prefixes. `npm test` starts one broker for all workspaces and passes it in
// KAFKA_BROKERS; running one workspace's tests alone starts (and stops) a broker of its own.
import { startKafka } from './kafka-local.mjs';

/** @param {import('vitest/node').TestProject} project */
export default async function setup(project) {
  if (process.env.KAFKA_BROKERS) {
    project.provide('kafkaBrokers', process.env.KAFKA_BROKERS);
    return undefined;
  }
  const kafka = await startKafka({ brokers: 1, port: 0 });
  project.provide('kafkaBrokers', kafka.bootstrap);
  return async () => {
    await kafka.stop();
  };
}
