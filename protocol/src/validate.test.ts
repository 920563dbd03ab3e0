import { describe, expect, it } from 'vitest';
import { ChatRecordV1, isValidUsername, normalizeUsername, parse, ValidationError } from './index.js';

const good = {
  v: 1,
  id: '0192f5a4-7c1e-7a3b-9c4d-1e2f3a4b5c6d',
  from: 'alice',
  to: 'bob',
  text: 'hi',
  sentAt: '2026-11-23T10:00:00.000Z',
};

describe('ChatRecordV1', () => {
  it('accepts a well-formed record', () => {
    expect(parse(ChatRecordV1, good)).toEqual(good);
  });
  it.each([
    ['wrong version', { ...good, v: 2 }],
    ['empty text', { ...good, text: '' }],
    ['text over 4000', { ...good, text: 'x'.repeat(4001) }],
    ['bad id', { ...good, id: 'nope' }],
    ['upper-case user', { ...good, to: 'Bob' }],
    ['bad date', { ...good, sentAt: 'yesterday' }],
    ['extra field', { ...good, admin: true }],
    ['missing field', { v: 1, id: good.id }],
  ])('rejects %s', (_name, value) => {
    expect(() => parse(ChatRecordV1, value, 'record')).toThrow(ValidationError);
  });
});

describe('usernames', () => {
  it('folds case and trims before checking', () => {
    expect(normalizeUsername('  Alice.B ')).toBe('alice.b');
    expect(isValidUsername('alice.b')).toBe(true);
  });
  it.each(['ab', 'a'.repeat(33), 'al ice', 'al/ice', 'ålice'])('rejects %j', (name) => {
    expect(isValidUsername(name)).toBe(false);
  });
});
