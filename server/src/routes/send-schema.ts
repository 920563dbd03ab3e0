// What every route that accepts a message shares: the Idempotency-Key and X-Socket-Id headers and the answers.
import { ErrorBody, IDEMPOTENCY_HEADER, MAX_IDEMPOTENCY_KEY_LENGTH, SendResponse, SOCKET_ID_HEADER, SOCKET_ID_PATTERN } from '@messenger/protocol';
import { Type } from '@sinclair/typebox';

export const SendHeaders = Type.Object({
  [IDEMPOTENCY_HEADER]: Type.Optional(
    Type.String({ minLength: 1, maxLength: MAX_IDEMPOTENCY_KEY_LENGTH, pattern: '^[\\x21-\\x7e]+$' }),
  ),
  [SOCKET_ID_HEADER]: Type.Optional(
    Type.String({
      pattern: SOCKET_ID_PATTERN,
      description: "The sending screen's socket id: it gets no echo of this message (it shows it from the 202). Ignored unless it is one of the sender's own sockets.",
    }),
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
