// The per-message delivery rules on their own: which ids are acknowledged, and how often.
import type { ChatMessage } from '@messenger/protocol';
import { describe, expect, it } from 'vitest';
import { makeDeliver } from './delivery.js';

const message = (n: number, partial: Partial<ChatMessage> = {}): ChatMessage => ({
  id: `0192f5a4-7c1e-7a3b-9c4d-${n.toString(16).padStart(12, '0')}`,
  from: 'bob',
  to: 'alice',
  text: `message ${n}`,
  sentAt: new Date(Date.UTC(2026, 10, 30, 9, 0, n)).toISOString(),
  state: 'sent',
  ...partial,
});
const live = (m: ChatMessage) => ({ message: m, live: true, readingNow: false });

function harness(ackAnswer = true) {
  const handed: string[] = [];
  const acks: string[][] = [];
  const delivery = makeDeliver(
    { onMessage: (m) => void handed.push(m.id) },
    async (ids) => {
      acks.push(ids);
      return ackAnswer;
    },
    async () => 'alice',
    (error) => {
      throw error;
    },
    () => false,
  );
  return { delivery, handed, acks };
}

describe('per-message delivery', () => {
  it('acknowledges an id once per batch and once per connection, and again after a reconnect', async () => {
    const { delivery, handed, acks } = harness();
    const [a, b] = [message(1), message(2)];
    // Caught up and pushed live in the same catch-up.
    await delivery.deliver([live(a), live(b), live(a)], true);
    expect(acks).toEqual([[a.id, b.id]]);
    await delivery.deliver([live(a)], false);
    expect(acks).toHaveLength(1);
    delivery.connected();
    await delivery.deliver([live(a), live(b)], true);
    expect(acks).toEqual([[a.id, b.id], [a.id, b.id]]);
    expect(handed).toEqual([a.id, b.id]);
  });

  it('acknowledges again on the same connection when the server did not record the first', async () => {
    const { delivery, acks } = harness(false);
    const a = message(3);
    await delivery.deliver([live(a)], false);
    await delivery.deliver([live(a)], false);
    expect(acks).toEqual([[a.id], [a.id]]);
  });

  it('acknowledges only what is to me and not yet delivered', async () => {
    const { delivery, handed, acks } = harness();
    const mine = message(4);
    await delivery.deliver([live(message(5, { from: 'alice', to: 'bob' })), live(message(6, { state: 'delivered' })), live(mine)], false);
    expect(handed).toHaveLength(3);
    expect(acks).toEqual([[mine.id]]);
  });
});

describe('batched delivery (onMessages)', () => {
  function batched(fail: () => boolean = () => false) {
    const calls: { ids: string[]; live: boolean[]; catchUp: boolean }[] = [];
    const acks: string[][] = [];
    const delivery = makeDeliver(
      {
        onMessages: (items, { catchUp }) => {
          if (fail()) throw new Error('handler failed');
          calls.push({ ids: items.map((i) => i.message.id), live: items.map((i) => i.live), catchUp });
        },
      },
      async (ids) => {
        acks.push(ids);
        return true;
      },
      async () => 'alice',
      () => undefined,
      () => false,
    );
    return { delivery, calls, acks };
  }

  it('hands each id over once (its first copy), in one call, and acknowledges them after it', async () => {
    const { delivery, calls, acks } = batched();
    const [a, b] = [message(7), message(8)];
    await delivery.deliver([{ message: a, live: false, readingNow: false }, live(b), live(a)], true);
    expect(calls).toEqual([{ ids: [a.id, b.id], live: [false, true], catchUp: true }]);
    expect(acks).toEqual([[a.id, b.id]]);
    // Seen: not handed over again, and not acknowledged twice on one connection.
    await delivery.deliver([live(b)], false);
    expect(calls).toHaveLength(1);
    expect(acks).toHaveLength(1);
  });

  it('acknowledges none of a batch whose handler throws, and hands it over again', async () => {
    let failing = true;
    const { delivery, calls, acks } = batched(() => failing);
    const a = message(9);
    await delivery.deliver([live(a)], false);
    expect(acks).toEqual([]);
    failing = false;
    await delivery.deliver([live(a)], true);
    expect(calls).toEqual([{ ids: [a.id], live: [true], catchUp: true }]);
    expect(acks).toEqual([[a.id]]);
  });
});
