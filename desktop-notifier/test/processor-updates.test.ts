// Edits, deletes and reactions of messages (issue 18) in the agent's logic, against a small model
// of a notification server (ids, one bubble per conversation tag, replace in place, close). The
// real dunst: actions.integration.test.ts.
import type { ChatMessage, ChangeKind, GroupRef, MessageUpdate } from '@messenger/protocol';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Formatted } from '../src/format.js';
import type { Notifier } from '../src/notify.js';
import { Processor, type Incoming } from '../src/processor.js';
import { SeenStore } from '../src/seen-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function msg(from: string, text: string, group?: GroupRef): ChatMessage {
  return { id: randomUUID(), from, to: 'mia', text, sentAt: new Date().toISOString(), state: 'sent', ...(group ? { group } : {}) };
}
const live = (message: ChatMessage): Incoming => ({ message, readingNow: false });

let clock = Date.UTC(2026, 10, 30, 12);
/** `message:update` as the server sends it: the message's whole state after the change. */
function change(message: ChatMessage, kind: ChangeKind, patch: Partial<ChatMessage> = {}, at = new Date((clock += 1000)).toISOString()) {
  const after: ChatMessage =
    kind === 'delete' ? { ...message, text: '', deleted: true } : kind === 'edit' ? { ...message, editedAt: at, ...patch } : { ...message, ...patch };
  const update: MessageUpdate = { change: { id: randomUUID(), kind, by: message.from, at }, message: after, ...(kind === 'hide' ? { hidden: true } : {}) };
  return update;
}

/** What a notification server does with ids, the per-conversation tag, replace and close. */
class FakeDesktop {
  private next = 1;
  readonly open = new Map<number, Formatted>();
  readonly shownEver: Formatted[] = [];
  readonly calls: string[] = [];
  notifier(): Notifier {
    return {
      show: (n) => {
        // The tag: a new bubble of a conversation closes that conversation's previous one.
        for (const [id, b] of this.open) if (b.conversation === n.conversation) this.open.delete(id);
        const id = this.next++;
        this.open.set(id, n);
        this.shownEver.push(n);
        this.calls.push(`show ${id}`);
        return Promise.resolve(id);
      },
      replace: (id, n) => {
        this.calls.push(`replace ${id}`);
        if (!this.open.has(id)) return Promise.resolve(false);
        this.open.set(id, n);
        return Promise.resolve(true);
      },
      withdraw: (id) => {
        this.calls.push(`withdraw ${id}`);
        this.open.delete(id);
        return Promise.resolve();
      },
    };
  }
  bodies() {
    return [...this.open.values()].map((n) => n.body);
  }
}

function setup(opts: { muted?: string[]; graceMs?: number; notifier?: (d: FakeDesktop) => Notifier } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proc-upd-'));
  dirs.push(dir);
  const desktop = new FakeDesktop();
  const acked: string[] = [];
  const store = new SeenStore(path.join(dir, 'seen.json'));
  const p = new Processor({
    policy: { me: 'mia', muted: new Set(opts.muted ?? []), quiet: null, groupMuted: () => false },
    store,
    notifier: (opts.notifier ?? ((d) => d.notifier()))(desktop),
    ack: (ids) => {
      acked.push(...ids);
      return Promise.resolve(true);
    },
    log: () => undefined,
    graceMs: opts.graceMs ?? 0,
  });
  return { p, desktop, acked, store };
}

describe('Processor: message updates', () => {
  it('replaces the bubble of an edited message in place, with the new text', async () => {
    const t = setup();
    const m = msg('alice', 'see you at 5');
    await t.p.process([live(m)]);
    const u = change(m, 'edit', { text: 'see you at **6**' });
    await t.p.update(u);
    expect(t.desktop.calls).toEqual(['show 1', 'replace 1']);
    expect(t.desktop.bodies()).toEqual(['see you at 6']);
    expect(t.desktop.shownEver).toHaveLength(1);
    expect(t.acked).toEqual([m.id]);
  });

  it('withdraws the bubble of a message deleted for everyone, or hidden by me', async () => {
    for (const kind of ['delete', 'hide'] as const) {
      const t = setup();
      const m = msg('alice', 'oops');
      await t.p.process([live(m)]);
      const u = change(m, kind);
      await t.p.update(u);
      expect(t.desktop.calls).toEqual(['show 1', 'withdraw 1']);
      expect(t.desktop.open.size).toBe(0);
    }
  });

  it('a bubble summing up several messages loses the deleted one and shows the rest', async () => {
    const t = setup();
    const [a, b] = [msg('alice', 'first'), msg('alice', 'second')];
    await t.p.process([live(a), live(b)]);
    expect(t.desktop.bodies()).toEqual(['(2 new) second']);
    await t.p.update(change(b, 'delete'));
    expect(t.desktop.bodies()).toEqual(['first']);
    await t.p.update(change(a, 'edit', { text: 'first, edited' }));
    expect(t.desktop.bodies()).toEqual(['first, edited']);
    await t.p.update(change(a, 'delete'));
    expect(t.desktop.open.size).toBe(0);
    expect(t.desktop.shownEver).toHaveLength(1);
  });

  it('never shows an edit of a message it did not show (muted), or whose bubble a newer message replaced', async () => {
    const t = setup({ muted: ['eve'] });
    const quiet = msg('eve', 'psst');
    await t.p.process([live(quiet)]);
    const older = msg('alice', 'one');
    await t.p.process([live(older)]);
    await t.p.process([live(msg('alice', 'two'))]);
    const u1 = change(quiet, 'edit', { text: 'psst!' });
    const u2 = change(older, 'edit', { text: 'one!' });
    await t.p.update(u1);
    await t.p.update(u2);
    await t.p.update(change(older, 'delete'));
    expect(t.desktop.calls).toEqual(['show 1', 'show 2']);
    expect(t.desktop.bodies()).toEqual(['two']);
  });

  it('does not raise a bubble the person already closed', async () => {
    const t = setup();
    const m = msg('alice', 'hello');
    await t.p.process([live(m)]);
    t.desktop.open.clear(); // dismissed
    await t.p.update(change(m, 'edit', { text: 'hello again' }));
    await t.p.update(change(m, 'edit', { text: 'hello once more' }));
    expect(t.desktop.shownEver).toHaveLength(1);
    expect(t.desktop.open.size).toBe(0);
    // Asked once; after a refusal the bubble is forgotten.
    expect(t.desktop.calls).toEqual(['show 1', 'replace 1']);
  });

  it('never shows a message that was deleted before it arrived, and still acknowledges it', async () => {
    const t = setup();
    const m = { ...msg('alice', ''), deleted: true as const };
    const outcomes = await t.p.process([live(m)]);
    expect(outcomes).toEqual([{ id: m.id, verdict: 'deleted' }]);
    expect(t.desktop.shownEver).toEqual([]);
    expect(t.acked).toEqual([m.id]);
    expect(t.store.has(m.id)).toBe(true);
  });

  it('a message waiting out its grace period is shown edited, or not at all once deleted', async () => {
    vi.useFakeTimers();
    try {
      const t = setup({ graceMs: 3000 });
      const later: Promise<unknown>[] = [];
      t.p.onLater = (job) => void later.push(job);
      const [edited, deleted] = [msg('alice', 'draft'), msg('bob', 'regret')];
      await t.p.process([live(edited), live(deleted)]);
      const stale = change(edited, 'edit', { text: 'second' });
      await t.p.update(change(edited, 'edit', { text: 'final' }));
      await t.p.update(stale); // late: an older state than the one waiting
      await t.p.update(change(deleted, 'delete'));
      await t.p.update(change(deleted, 'edit', { text: 'resurrected?' }, new Date(0).toISOString()));
      expect(t.desktop.shownEver).toEqual([]);
      await vi.advanceTimersByTimeAsync(3000);
      await Promise.all(later);
      expect(t.desktop.shownEver.map((n) => n.body)).toEqual(['final']);
      expect(t.acked).toEqual(expect.arrayContaining([edited.id, deleted.id]));
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows nothing for reactions', async () => {
    const t = setup();
    const m = msg('alice', 'lunch?');
    await t.p.process([live(m)]);
    const u = change(m, 'react', { reactions: [{ emoji: '👍', users: ['alice'] }] });
    await t.p.update(u);
    expect(t.desktop.calls).toEqual(['show 1']);
  });

  it('applies an update twice, or an older one after a newer, without changing anything', async () => {
    const t = setup();
    const m = msg('alice', 'v1');
    await t.p.process([live(m)]);
    const older = change(m, 'edit', { text: 'v2' });
    const newer = change(m, 'edit', { text: 'v3' });
    await t.p.update(newer);
    await t.p.update(newer);
    await t.p.update(older);
    expect(t.desktop.bodies()).toEqual(['v3']);
    expect(t.desktop.calls).toEqual(['show 1', 'replace 1']);
  });

  it('in a group: the edit keeps the group title; a reply shows its own text, not the quote', async () => {
    const t = setup();
    const team: GroupRef = { id: randomUUID(), name: 'Team' };
    const original = msg('bob', 'the plan', team);
    const reply = { ...msg('alice', 'agreed', team), replyTo: { id: original.id, from: 'bob', text: 'the plan' } };
    await t.p.process([live(reply)]);
    expect(t.desktop.bodies()).toEqual(['agreed']);
    await t.p.update(change(reply, 'edit', { text: 'agreed!' }));
    expect([...t.desktop.open.values()]).toEqual([expect.objectContaining({ title: 'Team · alice', body: 'agreed!' })]);
  });

  it('where the OS cannot change a shown notification (macOS, Windows), an update does nothing', async () => {
    const shown: Formatted[] = [];
    const t = setup({
      notifier: () => ({
        show: (n) => {
          shown.push(n);
          return Promise.resolve();
        },
      }),
    });
    const m = msg('alice', 'hi');
    await t.p.process([live(m)]);
    const u = change(m, 'delete');
    await t.p.update(u);
    expect(shown).toHaveLength(1);
    expect(t.acked).toEqual([m.id]);
  });
});
