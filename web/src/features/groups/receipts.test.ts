import { describe, expect, it } from 'vitest';
import { mergeReceipts, receiptsSummary } from './receipts';

describe('group receipts', () => {
  it('summarises delivered and read out of the members besides the sender', () => {
    const view = mergeReceipts({ id: 'x', of: 4, delivered: ['bob', 'carol'], read: ['bob'] }, undefined, 9, 'alice');
    expect(receiptsSummary(view)).toBe('Delivered to 2 of 4 · Read by 1 of 4');
  });

  it('merges live events on top of the answer; a reader counts as delivered; my own screens do not count', () => {
    const events = { delivered: new Set(['dave', 'alice']), read: new Set(['erin', 'alice']) };
    const view = mergeReceipts({ id: 'x', of: 4, delivered: ['bob'], read: [] }, events, 9, 'alice');
    expect(view).toEqual({ of: 4, delivered: ['bob', 'dave', 'erin'], read: ['erin'] });
  });

  it('before the answer, counts out of the fallback group size', () => {
    const view = mergeReceipts(undefined, { delivered: new Set(['bob']), read: new Set() }, 2, 'alice');
    expect(receiptsSummary(view)).toBe('Delivered to 1 of 2 · Read by 0 of 2');
  });
});
