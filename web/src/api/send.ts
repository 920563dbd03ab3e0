// POST /send with an Idempotency-Key: 202 once Kafka holds the message. A retry reuses the key,
// so the server answers with the same message instead of sending it twice.
import { ApiPaths, IDEMPOTENCY_HEADER, SendResponse, SOCKET_ID_HEADER } from '@messenger/protocol';
import { requestJson } from './http';
import { noteAccepted } from './message-actions';

/**
 * The headers of a send. `socketId`: this tab's socket, which then gets no echo of the message
 * (the tab shows it from the 202); the user's other tabs still do.
 */
export function sendHeaders(idempotencyKey: string, socketId: string | undefined): Record<string, string> {
  return socketId ? { [IDEMPOTENCY_HEADER]: idempotencyKey, [SOCKET_ID_HEADER]: socketId } : { [IDEMPOTENCY_HEADER]: idempotencyKey };
}

/** `replyTo`: the id of the message this one answers (the server quotes it). */
export async function sendMessage(to: string, text: string, idempotencyKey: string, socketId?: string, replyTo?: string) {
  const accepted = await requestJson(ApiPaths.send, SendResponse, {
    method: 'POST',
    body: replyTo ? { to, text, replyTo } : { to, text },
    headers: sendHeaders(idempotencyKey, socketId),
  });
  noteAccepted(accepted.id);
  return accepted;
}
