// Tells a database that cannot be reached right now (restarting, failing over, unreachable,
// out of connections) from a bug: the first is a 503 the client retries, the second a 500.
const POSTGRES_CODES = new Set([
  '57P01', // admin_shutdown: the server is restarting
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or in recovery
  '53300', // too_many_connections
]);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// pg's own errors for a dropped or unobtainable connection carry no code, only these messages.
const PG_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = String((error as { code?: unknown }).code ?? '');
  if (POSTGRES_CODES.has(code) || SOCKET_CODES.has(code) || code.startsWith('08')) return true;
  // SQLite: another process held the file past busy_timeout.
  if (code === 'SQLITE_BUSY') return true;
  return PG_MESSAGES.test(String((error as { message?: unknown }).message ?? ''));
}
