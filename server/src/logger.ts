// Logger options: structured JSON, with every place a secret could sit redacted.
import type { LoggerOptions } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'password',
  'token',
  '*.password',
  '*.token',
  'body.password',
  'auth.token',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method: string; url: string; id: string }) => ({
        method: req.method,
        url: loggedPath(req.url),
        id: req.id,
      }),
    },
  };
}

/**
 * The path as logged: never the query string (it may carry search terms users typed), and of an
 * incoming webhook's URL only `/hooks/`, since the rest is its credential (routes/webhooks/incoming.ts).
 */
export function loggedPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  return /^\/+hooks\//i.test(path) ? '/hooks/[redacted]' : path;
}
