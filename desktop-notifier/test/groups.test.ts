import type { Group } from '@messenger/protocol';
import { describe, expect, it } from 'vitest';
import { GroupDirectory, resolveGroup } from '../src/groups.js';

const TEAM = '0b6c1f1e-3a52-4f0e-9d1a-6d2f0f4b8c11';
const OPS = '5d0e7c2a-9b1f-4c3e-8a2d-1f6e4b7c9d00';
const OPS2 = '7e1f8d3b-0c2a-4d4f-9b3e-2a7f5c8d0e11';

function group(id: string, name: string, muted = false): Group {
  return { id, name, muted, pinned: false, archived: false, markedUnread: false, createdAt: '2026-11-30T03:00:00.000Z', role: 'member', memberCount: 3, unread: 0, lastMessage: null };
}

describe('GroupDirectory', () => {
  it('knows the loaded groups and which are muted; an unknown group is not muted', () => {
    const d = new GroupDirectory();
    d.finishLoad(d.beginLoad(), [group(TEAM, 'Team'), group(OPS, 'Ops', true)]);
    expect(d.isMuted(TEAM)).toBe(false);
    expect(d.isMuted(OPS)).toBe(true);
    expect(d.isMuted(OPS2)).toBe(false);
    expect(d.list()).toEqual([
      { id: OPS, name: 'Ops', muted: true },
      { id: TEAM, name: 'Team', muted: false },
    ]);
  });

  it('follows group:update: mute, unmute, rename, join, and leaving (group null)', () => {
    const d = new GroupDirectory();
    d.finishLoad(d.beginLoad(), [group(TEAM, 'Team')]);
    d.apply({ id: TEAM, group: group(TEAM, 'Team', true) });
    expect(d.isMuted(TEAM)).toBe(true);
    d.apply({ id: TEAM, group: group(TEAM, 'A-Team', false) });
    expect(d.isMuted(TEAM)).toBe(false);
    d.apply({ id: OPS, group: group(OPS, 'Ops', true) });
    expect(d.isMuted(OPS)).toBe(true);
    d.apply({ id: OPS, group: null });
    expect(d.isMuted(OPS)).toBe(false);
    expect(d.list().map((g) => g.name)).toEqual(['A-Team']);
  });

  it('a list fetched before a live update never overwrites that update', () => {
    const d = new GroupDirectory();
    d.finishLoad(d.beginLoad(), [group(TEAM, 'Team'), group(OPS, 'Ops')]);
    const load = d.beginLoad();
    // While GET /api/groups is in flight: muted in another tab, and removed from Ops.
    d.apply({ id: TEAM, group: group(TEAM, 'Team', true) });
    d.apply({ id: OPS, group: null });
    d.finishLoad(load, [group(TEAM, 'Team', false), group(OPS, 'Ops', false), group(OPS2, 'Ops 2', true)]);
    expect(d.isMuted(TEAM)).toBe(true);
    expect(d.list().map((g) => g.id)).not.toContain(OPS);
    expect(d.isMuted(OPS2)).toBe(true);
    // The next load is authoritative again.
    d.finishLoad(d.beginLoad(), [group(TEAM, 'Team', false)]);
    expect(d.isMuted(TEAM)).toBe(false);
    expect(d.list().map((g) => g.id)).toEqual([TEAM]);
  });

  it('an older load finishing after a newer one is ignored', () => {
    const d = new GroupDirectory();
    const older = d.beginLoad();
    const newer = d.beginLoad();
    d.finishLoad(newer, [group(TEAM, 'Team', true)]);
    d.finishLoad(older, [group(TEAM, 'Team', false)]);
    expect(d.isMuted(TEAM)).toBe(true);
  });
});

describe('resolveGroup', () => {
  const groups = [group(TEAM, 'Team'), group(OPS, 'Ops'), group(OPS2, 'ops')];
  it('finds a group by id or by its exact name, ignoring case when that is unambiguous', () => {
    expect(resolveGroup(groups, TEAM)).toEqual({ ok: true, group: groups[0] });
    expect(resolveGroup(groups, 'team')).toEqual({ ok: true, group: groups[0] });
    expect(resolveGroup(groups, ' Team ')).toEqual({ ok: true, group: groups[0] });
    // Two groups differ only by case: the exact spelling decides.
    expect(resolveGroup(groups, 'Ops')).toEqual({ ok: true, group: groups[1] });
    expect(resolveGroup(groups, 'ops')).toEqual({ ok: true, group: groups[2] });
  });
  it('matches the name as shown: bidi controls and odd spacing in it do not have to be typed', () => {
    const shown = [group(TEAM, 'Launch \u202Eteam'), group(OPS, 'On\u200Bcall  rota')];
    expect(resolveGroup(shown, 'launch team')).toEqual({ ok: true, group: shown[0] });
    expect(resolveGroup(shown, 'Oncall rota')).toEqual({ ok: true, group: shown[1] });
  });
  it('explains a miss and an ambiguity, naming the choices', () => {
    const miss = resolveGroup(groups, 'Tea');
    expect(miss.ok).toBe(false);
    if (!miss.ok) expect(miss.reason).toMatch(/no group "Tea".*Team/s);
    const twins = [group(OPS, 'Ops'), group(OPS2, 'Ops')];
    const both = resolveGroup(twins, 'ops');
    expect(both.ok).toBe(false);
    if (!both.ok) {
      expect(both.reason).toContain(OPS);
      expect(both.reason).toContain(OPS2);
    }
    const none = resolveGroup([], 'Team');
    if (!none.ok) expect(none.reason).toMatch(/not in any group/);
  });
});
