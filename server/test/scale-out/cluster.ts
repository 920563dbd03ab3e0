// Three (or more) real server processes on one host, as a scale-out deployment runs them: one
// topic prefix, one Postgres database, one record-signing key, distinct INSTANCE_ID and PORT.
// Every process started here is killed when the test file ends, or when its worker does,
// whatever the test did.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { describe } from 'vitest';
import { tempDataDir } from '../../../scripts/lib/server-process.mjs';
import { randomName } from '../helpers/app.js';
import { databaseEnv, onPostgres } from '../helpers/database.js';
import { freePort, startServerProcess, type ServerProcess } from '../helpers/process.js';


/**
 * These files run on Postgres only (`npm test` runs the server suite on both stores): instances
 * on several hosts cannot share one SQLite file. On SQLite the skipped suite says so.
 */
export function describeScaleOut(name: string, body: () => void): void {
  if (onPostgres) describe(name, body);
  else describe.skip(`${name} [needs TEST_DB=postgres: instances on several hosts cannot share a SQLite file]`, body);
}

// Children still running when the worker ends (a crash, a timeout, the runner stopping it) die
// with it. On a signal the default action follows once they are killed: the listener is `once`.
const living = new Set<ServerProcess>();
const killLiving = () => {
  for (const server of living) server.child.kill('SIGKILL');
};
process.once('exit', killLiving);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killLiving();
    process.kill(process.pid, signal);
  });
}

export interface Instance {
  readonly id: string;
  readonly url: string;
  readonly env: Record<string, string>;
  server: ServerProcess | undefined;
}

export class Cluster {
  private constructor(readonly instances: Instance[], private readonly dirs: string[]) {}

  /** Starts one instance per id; the first alone (it creates the topics), the rest together. */
  static async start(ids: string[] = ['a', 'b', 'c']): Promise<Cluster> {
    const shared = tempDataDir('messenger-scale-');
    const common = {
      KAFKA_TOPIC_PREFIX: randomName('so'),
      // The database the name of `shared` gives (helpers/database.ts), passed to every instance.
      ...(await databaseEnv(shared, {})),
      RECORD_SIGNING_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    };
    const instances: Instance[] = [];
    const dirs = [shared];
    for (const id of ids) {
      const dataDir = tempDataDir(`messenger-${id}-`);
      dirs.push(dataDir);
      const port = String(await freePort());
      const env = { ...common, INSTANCE_ID: id, KAFKA_CLIENT_ID: `messenger-${id}`, DATA_DIR: dataDir, PORT: port };
      instances.push({ id, url: `http://127.0.0.1:${port}`, env, server: undefined });
    }
    const cluster = new Cluster(instances, dirs);
    try {
      await cluster.startInstance(ids[0]!);
      await Promise.all(ids.slice(1).map((id) => cluster.startInstance(id)));
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get urls(): string[] {
    return this.instances.map((i) => i.url);
  }

  instance(id: string): Instance {
    const found = this.instances.find((i) => i.id === id);
    if (!found) throw new Error(`no instance ${id}`);
    return found;
  }

  url(id: string): string {
    return this.instance(id).url;
  }

  /** Starts (or starts again) an instance with its own unchanged env; resolves once /readyz is 200. */
  async startInstance(id: string): Promise<void> {
    const instance = this.instance(id);
    if (instance.server && instance.server.child.exitCode === null && instance.server.child.signalCode === null) {
      throw new Error(`instance ${id} is already running`);
    }
    const server = await startServerProcess(instance.env);
    living.add(server);
    void server.exited.then(() => living.delete(server));
    instance.server = server;
  }

  /** SIGTERM (a clean shutdown, SIGKILL after 15 s) or SIGKILL; resolves once the process is gone. */
  async stopInstance(id: string, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const server = this.instance(id).server;
    if (!server) return;
    await server.stop(signal);
  }

  /** Everything the instances logged, for failure messages and log checks. */
  output(id: string): string {
    return this.instance(id).server?.output.join('') ?? '';
  }

  /** Kills what is left and removes the data directories. Safe to call twice. */
  async stop(): Promise<void> {
    await Promise.all(this.instances.map((i) => i.server?.stop('SIGKILL')));
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}
