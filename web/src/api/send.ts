// POST /send with an Idempotency-Key: 202 once Kafka holds the message. A retry reuses the key,
// so the server answers with the same message instead of sending it twice.
import { ApiPaths, IDEMPOTENCY_HEADER, SendResponse } from '@messenger/protocol';
import { requestJson } from './http';

export function sendMessage(to: string, text: string, idempotencyKey: string) {
  return requestJson(ApiPaths.send, SendResponse, {
    method: 'POST',
    body: { to, text },
    headers: { [IDEMPOTENCY_HEADER]: idempotencyKey },
  });
}
