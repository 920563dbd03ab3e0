import type { ReceiptChange } from '@messenger/protocol';
import { describe, expect, it } from 'vitest';
import { createDeliveredReceipts } from './receipts.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('delivered receipts', () => {
  it('hands over one list per sender for an ack round: a change per recipient and conversation, holding every id of it', async () => {
    const sent: [string, ReceiptChange[]][] = [];
    const receipts = createDeliveredReceipts({ local: (sender, changes) => sent.push([sender, changes]) });
    const at = '2026-01-01T00:00:00.000Z';
    receipts.add('alice', 'bob', ['m1'], at);
    receipts.add('alice', 'bob', ['m2', 'm3'], at);
    receipts.add('carol', 'bob', ['m4'], at);
    receipts.add('alice', 'dave', ['m5'], at);
    receipts.add('alice', 'bob', ['m6'], at, 'g1');
    receipts.add('alice', 'bob', [], at);
    expect(sent).toEqual([]);
    await nextTurn();
    expect(sent).toEqual([
      [
        'alice',
        [
          { peer: 'bob', ids: ['m1', 'm2', 'm3'], state: 'delivered', at },
          { peer: 'dave', ids: ['m5'], state: 'delivered', at },
          { peer: 'bob', group: 'g1', ids: ['m6'], state: 'delivered', at },
        ],
      ],
      ['carol', [{ peer: 'bob', ids: ['m4'], state: 'delivered', at }]],
    ]);
  });

  it('keeps rounds apart: a later round is a later update', async () => {
    const sent: ReceiptChange[] = [];
    const receipts = createDeliveredReceipts({ local: (_sender, changes) => sent.push(...changes) });
    receipts.add('alice', 'bob', ['m1'], '2026-01-01T00:00:00.000Z');
    await nextTurn();
    receipts.add('alice', 'bob', ['m2'], '2026-01-01T00:00:00.001Z');
    await nextTurn();
    expect(sent.map((u) => u.ids)).toEqual([['m1'], ['m2']]);
  });

  it('sends the other processes batches, not one event per receipt, and every receipt in them', async () => {
    const local: string[] = [];
    const remote: string[][] = [];
    const receipts = createDeliveredReceipts({
      local: (_sender, changes) => local.push(...changes.flatMap((c) => c.ids)),
      remote: (batch) => remote.push(batch.flatMap((r) => r.update.ids)),
    });
    const ids: string[] = [];
    for (let round = 0; round < 200; round++) {
      const at = new Date(Date.UTC(2026, 0, 1, 0, 0, 0, round)).toISOString();
      const id = `0192f5a4-7c1e-7a3b-9c4d-${String(round).padStart(12, '0')}`;
      ids.push(id);
      receipts.add(`sender${round % 50}`, `recipient${round % 7}`, [id], at);
      await nextTurn();
    }
    expect(local).toEqual(ids);
    receipts.flushRemote();
    expect(remote.flat()).toEqual(ids);
    // 200 receipts in a few NOTIFY-sized batches, not 200 emits.
    expect(remote.length).toBeGreaterThan(1);
    expect(remote.length).toBeLessThan(20);
  });
});
