// An action right after a send: the 202 means Kafka holds the message, not yet the store the
// action route looks in, so the first try may answer 404 message_not_found for a few ms.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonResponse } from '../test/fixtures';
import { ApiError } from './http';
import { react } from './message-actions';
import { sendMessage } from './send';

const ID = '0192f5a4-7c1e-7a3b-9c4d-00000000a11e';
const OTHER = '0192f5a4-7c1e-7a3b-9c4d-00000000b0b0';
const notFound = () => jsonResponse(404, { error: { code: 'message_not_found', message: 'No such message' } });
const accepted = () => jsonResponse(202, { id: '0192f5a4-7c1e-7a3b-9c4d-0000000c4a2e', messageId: ID, kind: 'react', at: '2026-11-30T10:00:00.000Z' });

/** The server: /send accepts `ID`; an action answers 404 `missing` times, then 202. */
function stubServer(missing: number) {
  const actions: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      if (url === '/send') return jsonResponse(202, { id: ID, partition: 0, offset: '1', sentAt: '2026-11-30T10:00:00.000Z' });
      actions.push(url);
      return actions.length <= missing ? notFound() : accepted();
    }),
  );
  return actions;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('an action on a message this tab just sent', () => {
  it('tries again while the store has not caught up, then succeeds', async () => {
    const actions = stubServer(2);
    await sendMessage('bob', 'hi', 'key-1');
    await expect(react(ID, '👍')).resolves.toMatchObject({ messageId: ID });
    expect(actions).toHaveLength(3);
  });

  it('gives up after about two seconds with the server’s answer', async () => {
    const actions = stubServer(Infinity);
    await sendMessage('bob', 'hi', 'key-2');
    const error = await react(ID, '👍').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('message_not_found');
    // Bounded: a few tries, not the client's whole budget.
    expect(actions.length).toBeGreaterThan(1);
    expect(actions.length).toBeLessThanOrEqual(6);
  });

  it('does not retry a message_not_found for a message this tab has not just sent', async () => {
    const actions = stubServer(Infinity);
    await expect(react(OTHER, '👍')).rejects.toMatchObject({ code: 'message_not_found' });
    expect(actions).toHaveLength(1);
  });
});
