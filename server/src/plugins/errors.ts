// The one error path: every failure leaves as { error: { code, message } } with a stable code.
// 5xx bodies are generic; the details go to the log only.
import {
  DISPLAY_NAME_PROBLEM_MESSAGES,
  displayNameProblem,
  messageTextProblem,
  normalizeDisplayName,
  TEXT_PROBLEM_MESSAGES,
  TextFormats,
  type ErrorBody,
  type ErrorCode,
} from '@messenger/protocol';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { AppError, errors } from '../errors.js';

function body(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

const FASTIFY_CODES: Record<string, { status: number; code: ErrorCode; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'The request body is too large.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    message: 'Send JSON with Content-Type: application/json.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'bad_request', message: 'The JSON body is empty.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request', message: 'Invalid Content-Length.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'bad_request', message: 'The body is not valid JSON.' },
};

/** For a failed text format, says which rule the value broke (blank, surrogate, control) instead
 * of Ajv's 'must match format "message-text"', which no client can act on. */
function textFormatMessage(error: FastifyError, request: FastifyRequest): string | undefined {
  const first = error.validation?.[0];
  const format = first?.keyword === 'format' ? (first.params as { format?: unknown }).format : undefined;
  const field = first?.instancePath.split('/').pop() ?? '';
  const value = error.validationContext === 'body' ? (request.body as Record<string, unknown> | null)?.[field] : undefined;
  if (format === TextFormats.displayName && typeof value === 'string') {
    const problem = displayNameProblem(normalizeDisplayName(value));
    return problem && `${error.validationContext ?? 'request'}${first?.instancePath ?? ''} ${DISPLAY_NAME_PROBLEM_MESSAGES[problem]}.`;
  }
  if (format !== TextFormats.message && format !== TextFormats.wellFormed) return undefined;
  const problem = typeof value === 'string' ? messageTextProblem(value) : undefined;
  if (!problem || (format === TextFormats.wellFormed && problem !== 'lone_surrogate')) return undefined;
  return `${error.validationContext ?? 'request'}${first?.instancePath ?? ''} ${TEXT_PROBLEM_MESSAGES[problem]}.`;
}

/**
 * Fastify's `frameworkErrors`: the router's refusals (a path that is not valid percent-encoded
 * UTF-8, a path parameter past its length limit) come before any route or error handler, and
 * would otherwise leave in Fastify's own shape, which no client of the contract reads.
 */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return void reply.code(400).send(body('bad_request', 'A part of the address is too long.'));
  if (error.code === 'FST_ERR_BAD_URL') return void reply.code(400).send(body('bad_request', 'The address is not valid percent-encoded UTF-8.'));
  // A route constraint that failed (none is used today): ours, not the client's.
  request.log.error({ err: error }, 'router error');
  void reply.code(500).send(body('internal_error', 'Something went wrong on our side.'));
}

export default fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
      if (error instanceof AppError) {
        if (error.status >= 500) request.log.warn({ code: error.code }, error.message);
        return reply.code(error.status).headers(error.headers).send(body(error.code, error.message));
      }
      if (error.validation) {
        const where = error.validationContext ?? 'request';
        const message = textFormatMessage(error, request) ?? `${where}: ${error.message}`;
        return reply.code(400).send(body('validation_failed', message));
      }
      const known = error.code ? FASTIFY_CODES[error.code] : undefined;
      if (known) return reply.code(known.status).send(body(known.code, known.message ?? error.message));
      if (error.statusCode === 429) {
        return reply.code(429).send(body('rate_limited', 'Too many requests; slow down and retry later.'));
      }
      if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
        // Fastify's own 4xx (bad JSON and the like): their messages are safe to show.
        return reply.code(error.statusCode).send(body('bad_request', error.message));
      }
      if (isDatabaseUnavailable(error)) {
        // A restart or failover of the database: the client retries (test/database-outage.test.ts).
        request.log.warn({ reason: error.message }, 'the database is unavailable');
        const unavailable = errors.serviceUnavailable();
        return reply.code(unavailable.status).headers(unavailable.headers).send(body(unavailable.code, unavailable.message));
      }
      request.log.error({ err: error }, 'unhandled error');
      return reply.code(500).send(body('internal_error', 'Something went wrong on our side.'));
    });

    app.setNotFoundHandler((request, reply) =>
      reply.code(404).send(body('not_found', `No route for ${request.method} ${request.url.split('?')[0] ?? ''}.`)),
    );
  },
  { name: 'errors' },
);
