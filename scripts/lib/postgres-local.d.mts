// Types for postgres-local.mjs, so TypeScript tests can create databases in the test Postgres.
export const SERVICE_USER: string;
export function postgresBinDir(): string;
export function reapOrphans(): number;

export interface LocalPostgres {
  port: number;
  /** The cluster's data directory. */
  cluster: string;
  /** The major version, e.g. "15". */
  version: string;
  /** The superuser's URL for `database`; it contains the password, so never log it. */
  url(database: string): string;
  /** The same URL with the password hidden. */
  safeUrl(database: string): string;
  stop(graceMs?: number): Promise<void>;
}

export function startPostgres(options?: {
  stateDir?: string;
  port?: number;
  durable?: boolean;
  maxConnections?: number;
  log?: (line: string) => void;
}): Promise<LocalPostgres>;

/** Creates `name` unless it exists; `adminUrl` names any database of the same cluster. */
export function ensureDatabase(adminUrl: string, name: string): Promise<void>;
