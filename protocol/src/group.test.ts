import { describe, expect, it } from 'vitest';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ChatRecord, CreateGroupBody, mentions, mentionsIn, TypingPayload } from './index.js';

describe('mentionsIn', () => {
  it('finds @usernames at the start, after spaces and punctuation, case-folded, once each', () => {
    expect(mentionsIn('@Alice hi, (@bob) and @alice again')).toEqual(['alice', 'bob']);
  });
  it('ignores e-mail addresses, too-short names and a trailing full stop', () => {
    expect(mentionsIn('mail carol@example.com, ping @al, see @dave.')).toEqual(['dave']);
  });
  it('tells whether one user is mentioned', () => {
    expect(mentions('deploy is done @ops-bot', 'ops-bot')).toBe(true);
    expect(mentions('deploy is done @ops-bots', 'ops-bot')).toBe(false);
  });
});

describe('group shapes', () => {
  it('accepts a group record copy and refuses one without its group', () => {
    const check = TypeCompiler.Compile(ChatRecord);
    const base = { id: '0190a5b2-8c4e-7d2a-9f00-123456789abc', from: 'alice', to: 'bob', text: 'hi', sentAt: new Date().toISOString() };
    expect(check.Check({ v: 1, ...base })).toBe(true);
    expect(check.Check({ v: 2, ...base, group: { id: '0190a5b2-8c4e-7d2a-9f00-123456789abd', name: 'Team' } })).toBe(true);
    expect(check.Check({ v: 2, ...base })).toBe(false);
    expect(check.Check({ v: 1, ...base, group: { id: '0190a5b2-8c4e-7d2a-9f00-123456789abd', name: 'Team' } })).toBe(false);
  });
  it('refuses a blank group name and typing aimed at both a person and a group', () => {
    expect(TypeCompiler.Compile(CreateGroupBody).Check({ name: ' \u200b ', members: [] })).toBe(false);
    const typing = TypeCompiler.Compile(TypingPayload);
    expect(typing.Check({ to: 'bob', typing: true })).toBe(true);
    expect(typing.Check({ group: '0190a5b2-8c4e-7d2a-9f00-123456789abd', typing: true })).toBe(true);
    expect(typing.Check({ to: 'bob', group: '0190a5b2-8c4e-7d2a-9f00-123456789abd', typing: true })).toBe(false);
  });
});
