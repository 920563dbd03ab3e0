// What every route that accepts a message shares: the Idempotency-Key header and the answers.
import { ErrorBody, IDEMPOTENCY_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH, SendResponse } from '@messenger/protocol';
import { Type } from '@sinclair/typebox';

export const SendHeaders = Type.Object({
  [IDEMPOTENCY_HEADER]: Type.Optional(
    Type.String({ minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH, pattern: '^[\\x21-\\x7e]+$' }),
  ),
});

/** 202 once Kafka holds it; 503 (with Retry-After) when it cannot; the usual client errors. */
export const SendResponses = {
  202: SendResponse,
  400: ErrorBody,
  401: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  413: ErrorBody,
  415: ErrorBody,
  429: ErrorBody,
  503: ErrorBody,
};
