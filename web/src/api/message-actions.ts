// Message actions (issue 18): edit, delete for everyone or for me, react and unreact. Each is a
// 202 once Kafka holds the change; its new state comes back as message:update. A fresh
// Idempotency-Key per action: a person repeats an action on purpose, not by a retry loop.
import { ChangeResponse, IDEMPOTENCY_HEADER, MessageActionPaths } from '@messenger/protocol';
import { newKey } from '../lib/ids';
import { requestJson } from './http';

const headers = () => ({ [IDEMPOTENCY_HEADER]: newKey() });

export function editMessage(id: string, text: string) {
  return requestJson(MessageActionPaths.message(id), ChangeResponse, { method: 'PATCH', body: { text }, headers: headers() });
}

export function deleteMessage(id: string, scope: 'everyone' | 'me') {
  return requestJson(`${MessageActionPaths.message(id)}?for=${scope}`, ChangeResponse, { method: 'DELETE', headers: headers() });
}

export function react(id: string, emoji: string) {
  return requestJson(MessageActionPaths.reaction(id, emoji), ChangeResponse, { method: 'PUT', headers: headers() });
}

export function unreact(id: string, emoji: string) {
  return requestJson(MessageActionPaths.reaction(id, emoji), ChangeResponse, { method: 'DELETE', headers: headers() });
}
