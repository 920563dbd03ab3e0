import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aboveCommitted, createInboxRecord, inboxCommitOffset, roundAcks } from './inbox.js';

/**
 * One partition: records in offset order, each the recipient's ("mine") or someone else's; the
 * store holds a prefix of them (it is filled in partition order); some of mine are acknowledged;
 * the consumer position read before the round may lag behind the store.
 */
const partitionScenario = fc
  .array(fc.record({ mine: fc.boolean(), acked: fc.boolean(), inRound: fc.boolean() }), { minLength: 1, maxLength: 40 })
  .chain((records) =>
    fc.record({
      records: fc.constant(records),
      stored: fc.integer({ min: 0, max: records.length }),
      lag: fc.option(fc.nat({ max: 40 }), { nil: undefined }),
    }),
  )
  .map(({ records, stored, lag }) => {
    // Only stored messages of mine can be acknowledged; the round acknowledged some of those.
    const acked = records.map((r, offset) => r.mine && offset < stored && r.acked);
    const round = records.map((r, offset) => acked[offset] === true && r.inRound);
    return { records, stored, position: lag === undefined ? undefined : Math.max(0, stored - lag), acked, round };
  })
  .filter((s) => s.round.includes(true));

describe('inboxCommitOffset', () => {
  it('never passes an unacknowledged message of the recipient, and goes as far as it may', () => {
    fc.assert(
      fc.property(partitionScenario, ({ records, stored, position, acked, round }) => {
        const storedUnacked = records.findIndex((r, offset) => offset < stored && r.mine && !acked[offset]);
        const offset = inboxCommitOffset({
          lowestUnacked: storedUnacked === -1 ? null : storedUnacked,
          highestAcked: round.lastIndexOf(true),
          position,
        });
        // Safety: every message of mine below the offset is acknowledged, stored or not.
        const firstUnacked = records.findIndex((r, i) => r.mine && !acked[i]);
        if (firstUnacked !== -1) expect(offset).toBeLessThanOrEqual(firstUnacked);
        expect(offset).toBeLessThanOrEqual(Math.max(stored, 0));
        // Progress: exactly at the first unacknowledged message, or at least the position.
        if (storedUnacked !== -1) expect(offset).toBe(storedUnacked);
        else {
          expect(offset).toBeGreaterThan(round.lastIndexOf(true));
          expect(offset).toBeGreaterThanOrEqual(position ?? 0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('m1 then m2, only m2 acknowledged: stops at m1', () => {
    expect(inboxCommitOffset({ lowestUnacked: 0, highestAcked: 1, position: 2 })).toBe(0);
    expect(inboxCommitOffset({ lowestUnacked: null, highestAcked: 1, position: 5 })).toBe(5);
    expect(inboxCommitOffset({ lowestUnacked: null, highestAcked: 1, position: undefined })).toBe(2);
  });
});

describe('createInboxRecord', () => {
  it('commits each group and partition only forward, whatever order the rounds finish in', () => {
    const round = fc.record({
      recipient: fc.constantFrom('ann', 'bob'),
      partition: fc.nat({ max: 2 }),
      lowestUnacked: fc.option(fc.nat({ max: 50 }), { nil: null }),
      highestAcked: fc.nat({ max: 50 }),
      position: fc.option(fc.nat({ max: 60 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(round, { maxLength: 30 }), (rounds) => {
        const sent: [string, number, number][] = [];
        const inbox = createInboxRecord({ commitInbox: (user, partition, offset) => void sent.push([user, partition, offset]) });
        for (const { recipient, partition, ...acks } of rounds) inbox.record(recipient, new Map([[partition, acks]]));
        const last = new Map<string, number>();
        for (const [user, partition, offset] of sent) {
          const key = `${user}/${partition}`;
          expect(offset).toBeGreaterThan(last.get(key) ?? -1);
          last.set(key, offset);
        }
        // And the highest allowed offset of each group always gets sent.
        const best = new Map<string, number>();
        for (const { recipient, partition, ...acks } of rounds) {
          const key = `${recipient}/${partition}`;
          best.set(key, Math.max(best.get(key) ?? -1, inboxCommitOffset(acks)));
        }
        expect(last).toEqual(best);
      }),
      { numRuns: 1000 },
    );
  });

  it('forgets the least recently moved groups past its capacity', () => {
    const sent: number[] = [];
    const inbox = createInboxRecord({ commitInbox: (_user, _partition, offset) => void sent.push(offset) }, 2);
    const at = (offset: number) => new Map([[0, { lowestUnacked: offset, highestAcked: 0, position: undefined }]]);
    inbox.record('a', at(5));
    inbox.record('b', at(5));
    inbox.record('c', at(5));
    inbox.record('b', at(4)); // remembered: not sent
    inbox.record('a', at(4)); // forgotten: sent again (in the server a later offset is never lower; see createInboxRecord)
    expect(sent).toEqual([5, 5, 5, 4]);
  });

  it('counts recency from the last move: a round that moves nothing does not keep a group', () => {
    const sent: string[] = [];
    const inbox = createInboxRecord({ commitInbox: (user, _partition, offset) => void sent.push(`${user}${offset}`) }, 2);
    const at = (offset: number) => new Map([[0, { lowestUnacked: offset, highestAcked: 0, position: undefined }]]);
    inbox.record('a', at(5));
    inbox.record('b', at(5));
    inbox.record('a', at(4)); // no move, so a stays the least recently moved
    inbox.record('c', at(5)); // a falls out, b stays
    inbox.record('b', at(4)); // remembered: not sent
    inbox.record('a', at(4)); // forgotten: sent again
    expect(sent).toEqual(['a5', 'b5', 'c5', 'a4']);
  });
});

describe('roundAcks', () => {
  it('folds a round per recipient and partition: highest ack, the store’s lowest unacked, the position read before', () => {
    const round = [{ recipient: 'ann' }, { recipient: 'bob' }, { recipient: 'ann' }];
    const row = (kafka_partition: number, kafka_offset: number) => ({ id: `${kafka_partition}:${kafka_offset}`, sender: 'x', conversation: 'b|x', kafka_partition, kafka_offset });
    const outcomes = [
      { changed: [row(0, 6), row(1, 2)], lowestUndelivered: new Map([[0, 7], [1, null]]) },
      { changed: [row(0, 5)], lowestUndelivered: new Map([[0, null]]) },
      // A second screen of ann's in the same round, acking an older one: the highest ack still wins.
      { changed: [row(0, 4), row(2, 9)], lowestUndelivered: new Map([[0, 7]]) },
    ];
    const folded = roundAcks(round, outcomes, new Map([[0, 8], [1, 3]]));
    expect(folded.get('ann')).toEqual(
      new Map([
        [0, { lowestUnacked: 7, highestAcked: 6, position: 8 }],
        [1, { lowestUnacked: null, highestAcked: 2, position: 3 }],
      ]),
    );
    // Partition 2 is missing: the store gave no lowest-undelivered answer, so nothing is guessed.
    expect(folded.get('ann')?.has(2)).toBe(false);
    expect(folded.get('bob')).toEqual(new Map([[0, { lowestUnacked: null, highestAcked: 5, position: 8 }]]));
  });

  it('counts the changes to messages a round acknowledged like its messages', () => {
    // Only a change acknowledged: its partition is folded, its offset is the highest ack.
    const outcomes = [{ changed: [], changes: [{ id: 'c', kafka_partition: 1, kafka_offset: 12 }], lowestUndelivered: new Map([[1, null]]) }];
    expect(roundAcks([{ recipient: 'ann' }], outcomes, new Map([[1, 10]])).get('ann')).toEqual(new Map([[1, { lowestUnacked: null, highestAcked: 12, position: 10 }]]));
  });

  it('skips a request without an outcome', () => {
    expect(roundAcks([{ recipient: 'ann' }], [undefined], new Map()).size).toBe(0);
  });
});

describe('aboveCommitted', () => {
  it('keeps the messages at or above their partition’s committed offset; a partition without one keeps all', () => {
    const m = (partition: number, offset: number) => ({ partition, offset });
    const pending = [m(0, 3), m(0, 5), m(1, 9), m(2, 0)];
    expect(aboveCommitted(pending, new Map([[0, 5], [1, 10]]))).toEqual([m(0, 5), m(2, 0)]);
  });
});
