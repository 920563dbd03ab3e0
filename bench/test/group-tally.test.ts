// How a group run is judged: copies counted once per (message, member) across workers, a message
// complete only when every member has it, latency to the last member, loss and duplicates apart.
import { describe, expect, it } from 'vitest';
import { CopyTally, judgeGroupRun } from '../src/group-tally.js';

describe('group tally', () => {
  it('counts a second copy for the same member as a duplicate, not a delivery', () => {
    const t = new CopyTally();
    expect(t.add('0.1', 'ann', 100, 105)).toBe(true);
    expect(t.add('0.1', 'bob', 100, 107)).toBe(true);
    expect(t.add('0.1', 'ann', 100, 109)).toBe(false);
    expect(t.copies).toBe(2);
    expect(t.duplicates).toBe(1);
    // The duplicate neither adds a member nor moves the last arrival.
    expect(t.arrivals()).toEqual([['0.1', 100, 2, 107]]);
  });

  it('merges workers, measures to the last member, and counts what is missing per member', () => {
    const w0 = new CopyTally();
    const w1 = new CopyTally();
    // 0.1: three members, split over both workers; the last copy lands at 130.
    w0.add('0.1', 'ann', 100, 110);
    w1.add('0.1', 'bob', 100, 130);
    w0.add('0.1', 'cat', 100, 120);
    // 0.2: three members, one never got it.
    w0.add('0.2', 'ann', 200, 205);
    w1.add('0.2', 'bob', 200, 206);
    // 1.9: arrived, but its POST was never answered 202.
    w1.add('1.9', 'bob', 300, 301);
    const j = judgeGroupRun(
      [
        ['0.1', 3],
        ['0.2', 3],
        ['0.3', 2],
      ],
      [w0.arrivals(), w1.arrivals()],
      w0.duplicates + w1.duplicates,
      0,
    );
    expect(j).toMatchObject({ messages: 3, complete: 1, expectedCopies: 8, delivered: 5, lost: 3, extra: 0, duplicates: 0, deliveredNotAccepted: 1 });
    expect(j.lastMember.count).toBe(1);
    expect(j.lastMember.p50).toBe(30);
  });

  it('leaves messages sent during the warm-up out of the latency, not out of the loss count', () => {
    const t = new CopyTally();
    t.add('0.1', 'ann', 50, 60);
    t.add('0.2', 'ann', 150, 151);
    const j = judgeGroupRun(
      [
        ['0.1', 1],
        ['0.2', 1],
      ],
      [t.arrivals()],
      0,
      100,
    );
    expect(j.complete).toBe(2);
    expect(j.lastMember.count).toBe(1);
    expect(j.lastMember.max).toBe(1);
  });

  it('flags copies beyond the group as extra', () => {
    const t = new CopyTally();
    t.add('0.1', 'ann', 0, 1);
    t.add('0.1', 'eve', 0, 2);
    const j = judgeGroupRun([['0.1', 1]], [t.arrivals()], 0, 0);
    expect(j.extra).toBe(1);
    expect(j.lost).toBe(0);
  });
});
