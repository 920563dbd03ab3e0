import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { ChangeRecordV3, ChatMessage, ChatRecordV1, isReactionEmoji, QUICK_REACTIONS, TopicRecord } from './index.js';

const id = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const other = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c';

describe('reaction emoji', () => {
  it('accepts single emoji, with skin tones, ZWJ sequences, flags and keycaps', () => {
    for (const emoji of [...QUICK_REACTIONS, '👍🏽', '👩‍💻', '👨‍👩‍👧', '🏳️‍🌈', '🇰🇷', '1️⃣', '🫠']) {
      expect(isReactionEmoji(emoji), emoji).toBe(true);
    }
  });

  it('refuses text, two emoji, and empty', () => {
    for (const value of ['', 'a', 'ok', '👍👍', '👍 ', ' 👍', '<script>', '\u200d', '🇰']) {
      expect(isReactionEmoji(value), JSON.stringify(value)).toBe(false);
    }
  });

  it('refuses an emoji padded with repeated modifiers, which shows as the plain one but counts as another reaction', () => {
    for (const value of ['👍\uFE0F\uFE0F', '👍\uFE0F\uFE0F\uFE0F', '👍🏽🏽', '👍🏻🏿', '👍\u200d', '👍\u200d\u200d👍']) {
      expect(isReactionEmoji(value), JSON.stringify(value)).toBe(false);
    }
    for (const value of ['❤️', '👁️\u200d🗨️', '🙋\u200d♀️', '🏃🏽\u200d♂️', '👩🏻\u200d❤️\u200d💋\u200d👨🏼', '❤️\u200d🔥', '🧑\u200d🤝\u200d🧑']) {
      expect(isReactionEmoji(value), JSON.stringify(value)).toBe(true);
    }
  });
});

describe('change records', () => {
  const change = { v: 3, id, kind: 'edit', messageId: other, from: 'alice', to: 'bob', at: '2026-11-30T12:00:00.000Z', text: 'fixed' };

  it('validates a change and tells it from a message', () => {
    expect(Value.Check(ChangeRecordV3, change)).toBe(true);
    expect(Value.Check(TopicRecord, change)).toBe(true);
    expect(Value.Check(ChatRecordV1, change)).toBe(false);
    expect(Value.Check(ChangeRecordV3, { ...change, kind: 'rewrite' })).toBe(false);
    expect(Value.Check(ChangeRecordV3, { ...change, kind: 'react', text: undefined, emoji: 'no' })).toBe(false);
  });

  it('lets a message carry a reply quote, and a deleted message an empty text', () => {
    const reply = { v: 1, id, from: 'bob', to: 'alice', text: 'yes', sentAt: change.at, replyTo: { id: other, from: 'alice', text: 'lunch?' } };
    expect(Value.Check(ChatRecordV1, reply)).toBe(true);
    const deleted = { id, from: 'alice', to: 'bob', text: '', sentAt: change.at, state: 'read', deleted: true };
    expect(Value.Check(ChatMessage, deleted)).toBe(true);
  });
});
