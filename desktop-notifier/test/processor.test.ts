// The agent's per-message logic with a fake notifier and a fake ack: dedupe, skips, acks, failures.
import type { ChatMessage, GroupRef } from '@messenger/protocol';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Processor, type Incoming } from '../src/processor.js';
import type { Formatted } from '../src/format.js';
import { parseQuietHours } from '../src/quiet.js';
import { SeenStore } from '../src/seen-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function msg(from: string, text: string, to = 'mia', group?: GroupRef): ChatMessage {
  return {
    id: randomUUID(),
    from,
    to,
    text,
    sentAt: new Date().toISOString(),
    state: 'sent',
    ...(group ? { group } : {}),
  };
}
const TEAM: GroupRef = { id: randomUUID(), name: 'Team' };
const OPS: GroupRef = { id: randomUUID(), name: 'Ops' };
/** A member's copy of a group message: addressed to that member. */
const inGroup = (group: GroupRef, from: string, text: string, to = 'mia') => msg(from, text, to, group);
const live = (message: ChatMessage, readingNow = false): Incoming => ({ message, readingNow });

function setup(
  opts: { muted?: string[]; mutedGroups?: string[]; quiet?: string; now?: Date; failShow?: boolean; failAck?: boolean } = {},
) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proc-'));
  dirs.push(dir);
  const file = path.join(dir, 'seen.json');
  const shown: Formatted[] = [];
  const acked: string[][] = [];
  const make = () =>
    new Processor({
      policy: {
        me: 'mia',
        muted: new Set(opts.muted ?? []),
        quiet: opts.quiet ? parseQuietHours(opts.quiet) : null,
        groupMuted: (id) => (opts.mutedGroups ?? []).includes(id),
      },
      store: new SeenStore(file),
      notifier: {
        show: (n) => {
          if (opts.failShow) return Promise.reject(new Error('no notification server'));
          shown.push(n);
          return Promise.resolve();
        },
      },
      ack: (ids) => {
        acked.push(ids);
        return Promise.resolve(!opts.failAck);
      },
      now: () => opts.now ?? new Date(2026, 0, 1, 12, 0),
      log: () => undefined,
    });
  return { shown, acked, make, file };
}

describe('Processor', () => {
  it('notifies once per message and acknowledges after recording', async () => {
    const t = setup();
    const p = t.make();
    const m = msg('alice', 'hi');
    await p.process([live(m)]);
    expect(t.shown).toEqual([{ title: 'alice', body: 'hi', conversation: 'alice', path: '/c/alice' }]);
    expect(t.acked).toEqual([[m.id]]);
    expect(new SeenStore(t.file).has(m.id)).toBe(true);
  });

  it('never notifies the same id twice: live + catch-up overlap, reconnect, restart', async () => {
    const t = setup();
    const m = msg('alice', 'hi');
    const p = t.make();
    await p.process([live(m)]);
    await p.process([live(m)]); // live again
    await p.process([live(m), live(m)]); // catch-up holding it twice
    await t.make().process([live(m)]); // a restarted agent
    expect(t.shown).toHaveLength(1);
    // Still acknowledged each time, so the server stops offering it.
    expect(t.acked.flat().filter((id) => id === m.id).length).toBe(4);
  });

  it('is silent for own messages and does not acknowledge them', async () => {
    const t = setup();
    await t.make().process([live(msg('mia', 'from my phone', 'alice'))]);
    expect(t.shown).toEqual([]);
    expect(t.acked).toEqual([]);
  });

  it('skips readingNow, muted and quiet-hours messages but acknowledges and records them', async () => {
    const t = setup({ muted: ['spam'], quiet: '11:00-13:00' });
    const reading = msg('alice', 'I see you');
    const muted = msg('spam', 'buy');
    const quiet = msg('bob', 'lunch?');
    const p = t.make();
    await p.process([live(reading, true)]);
    await p.process([live(muted)]);
    await p.process([live(quiet)]);
    expect(t.shown).toEqual([]);
    expect(t.acked.flat()).toEqual([reading.id, muted.id, quiet.id]);
    // Not notified later either (e.g. after quiet hours end, on a restart).
    const store = new SeenStore(t.file);
    expect([reading.id, muted.id, quiet.id].every((id) => store.has(id))).toBe(true);
  });

  it('shows one notification per sender for a catch-up batch', async () => {
    const t = setup();
    const batch = [msg('alice', 'one'), msg('bob', 'yo'), msg('alice', 'two'), msg('alice', 'three')];
    await t.make().process(batch.map((m) => live(m)));
    expect(t.shown).toEqual([
      { title: 'alice', body: '(3 new) three', conversation: 'alice', path: '/c/alice' },
      { title: 'bob', body: 'yo', conversation: 'bob', path: '/c/bob' },
    ]);
    expect(t.acked.flat().sort()).toEqual(batch.map((m) => m.id).sort());
  });

  it('acknowledges in chunks of at most 500 ids', async () => {
    const t = setup();
    const batch = Array.from({ length: 1201 }, (_, i) => live(msg('alice', `m${i}`)));
    await t.make().process(batch);
    expect(t.acked.map((c) => c.length)).toEqual([500, 500, 201]);
    expect(t.shown).toHaveLength(1);
  });

  it('does not record or acknowledge what it could not show, so it comes back', async () => {
    const t = setup({ failShow: true });
    const m = msg('alice', 'hi');
    const p = t.make();
    await p.process([live(m)]);
    expect(t.acked).toEqual([]);
    expect(new SeenStore(t.file).has(m.id)).toBe(false);
    expect(p.consecutiveFailures).toBe(1);
  });

  it('keeps the record when the ack fails: the re-offered message is acked but not shown again', async () => {
    const t = setup({ failAck: true });
    const m = msg('alice', 'hi');
    const p = t.make();
    await p.process([live(m)]);
    await p.process([live(m)]);
    expect(t.shown).toHaveLength(1);
    expect(t.acked).toEqual([[m.id], [m.id]]);
  });

  it('processes in arrival order even when jobs overlap', async () => {
    const t = setup();
    const p = t.make();
    const ms = Array.from({ length: 20 }, (_, i) => msg(`user${i % 3}`, `t${i}`));
    await Promise.all(ms.map((m) => p.process([live(m)])));
    expect(t.shown.map((n) => n.body)).toEqual(ms.map((m) => m.text));
  });

  it('titles a group message "Group · Sender" and acknowledges the copy', async () => {
    const t = setup();
    const m = inGroup(TEAM, 'alice', 'standup in 5');
    await t.make().process([live(m)]);
    expect(t.shown).toEqual([{ title: 'Team · alice', body: 'standup in 5', conversation: `#${TEAM.id}`, path: `/g/${TEAM.id}` }]);
    expect(t.acked).toEqual([[m.id]]);
  });

  it('a muted group: silent but acknowledged and recorded; a mention of me still shows, marked', async () => {
    const t = setup({ mutedGroups: [TEAM.id] });
    const quiet = inGroup(TEAM, 'alice', 'deploy finished');
    const mention = inGroup(TEAM, 'bob', 'deploy failed, @mia please look');
    const p = t.make();
    await p.process([live(quiet)]);
    expect(t.shown).toEqual([]);
    expect(t.acked).toEqual([[quiet.id]]);
    expect(new SeenStore(t.file).has(quiet.id)).toBe(true);
    await p.process([live(mention)]);
    expect(t.shown.map((n) => n.title)).toEqual(['Team · bob mentioned you']);
  });

  it('catch-up: one notification per conversation, groups apart from 1:1 chats with the same people', async () => {
    const t = setup({ mutedGroups: [OPS.id] });
    const batch = [
      inGroup(TEAM, 'alice', 'one'),
      msg('alice', 'private'),
      inGroup(TEAM, 'bob', 'two'),
      inGroup(OPS, 'carol', 'noise'),
      inGroup(OPS, 'carol', 'more noise'),
    ];
    await t.make().process(batch.map((m) => live(m)));
    expect(t.shown.map((n) => [n.title, n.body])).toEqual([
      ['Team · bob', '(2 new) two'],
      ['alice', 'private'],
    ]);
    expect(t.acked.flat().sort()).toEqual(batch.map((m) => m.id).sort());
  });

  it('my own copy of my group message is addressed to me: acknowledged, never shown', async () => {
    const t = setup();
    const own = inGroup(TEAM, 'mia', 'sent from my phone', 'mia');
    await t.make().process([live(own)]);
    expect(t.shown).toEqual([]);
    expect(t.acked).toEqual([[own.id]]);
  });
});
