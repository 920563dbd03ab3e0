// What the server forgets on its own: rows whose use is over. Run hourly by the core plugin, and
// by tests with a chosen "now". Each is one DELETE with a time cut-off, once an hour, over tables
// that stay small next to the message store precisely because of this sweep.
import type { IdempotencyRepository } from '../db/idempotency.repository.js';
import type { IntegrationsRepository } from '../db/integrations.repository.js';
import type { UsersRepository } from '../db/users.repository.js';

const DAY_MS = 86_400_000;
/** An Idempotency-Key answers retries for a week (docs/api.md). */
export const IDEMPOTENCY_KEEP_MS = 7 * DAY_MS;
/**
 * A revoked or expired API token is dead at once (every lookup checks both); its row stays a week
 * so that an operator looking into an incident can still see which token it was, by whom and when
 * it was last used, and then goes.
 */
export const ENDED_TOKEN_KEEP_MS = 7 * DAY_MS;
export const SWEEP_INTERVAL_MS = 3_600_000;

export interface HousekeepingRepos {
  users: Pick<UsersRepository, 'deleteExpiredSessions'>;
  idempotency: Pick<IdempotencyRepository, 'deleteOlderThan'>;
  integrations: Pick<IntegrationsRepository, 'deleteEndedTokens'>;
}

export async function sweepEnded(repos: HousekeepingRepos, now: Date): Promise<{ tokens: number }> {
  await repos.users.deleteExpiredSessions(now.toISOString());
  await repos.idempotency.deleteOlderThan(new Date(now.getTime() - IDEMPOTENCY_KEEP_MS).toISOString());
  const tokens = await repos.integrations.deleteEndedTokens(new Date(now.getTime() - ENDED_TOKEN_KEEP_MS).toISOString());
  return { tokens };
}
