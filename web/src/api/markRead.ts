// POST /api/conversations/:peer/read {upTo}: marks the peer's messages read; they see it live.
import { ApiPaths, ReadResponse } from '@messenger/protocol';
import { requestJson } from './http';

export function markRead(peer: string, upTo: string) {
  return requestJson(ApiPaths.read(peer), ReadResponse, { method: 'POST', body: { upTo } });
}
