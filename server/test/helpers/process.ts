// Runs the real server as a child process (node server/dist/server.js), so tests can SIGKILL it.
import { inject } from 'vitest';
import {
  freePort,
  startServerProcess as startBuiltServer,
  tempDataDir,
  testServerEnv,
  type ServerProcess,
} from '../../../scripts/lib/server-process.mjs';
import { randomName } from './app.js';
import { databaseEnv } from './database.js';

export { freePort, type ServerProcess };

/** Starts the server and resolves once /readyz answers. Reuse `env` to restart the same server. */
export async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = env.DATA_DIR ?? tempDataDir('messenger-proc-');
  const port = env.PORT ?? String(await freePort());
  const fullEnv = {
    ...testServerEnv({ kafkaBrokers: inject('kafkaBrokers'), dataDir, port, KAFKA_TOPIC_PREFIX: randomName('p') }),
    ...(await databaseEnv(dataDir, env)),
    ...env,
    DATA_DIR: dataDir,
    PORT: port,
  };
  // Keep every line: the fault tests grep the whole log for unhandled rejections.
  return startBuiltServer({ env: fullEnv, keepOutput: 1_000_000 });
}
