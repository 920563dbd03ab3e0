import { describe, expect, it } from 'vitest';
import { ChatMessage, ChatRecordV1, check, cleanMessageText, Credentials, isBlankText, messageTextProblem, SendBody } from './index.js';

const record = {
  v: 1,
  id: '0192f5a4-7c1e-7a3b-9c4d-1e2f3a4b5c6d',
  from: 'alice',
  to: 'bob',
  text: 'hi',
  sentAt: '2026-11-23T10:00:00.000Z',
};

describe('messageTextProblem', () => {
  it.each([
    '\u0000',
    ' \n\t\r ',
    '\u200b\u200c\u200d\u2060\ufeff',
    '\u180e\u3164\u115f\u1160\uffa0',
    '\u2800',
    '\u00ad',
    '\u0301',
    '\u202e\u2066\u2069\u200e',
    '\u0085\u009f\u007f',
    '\u3000\u2028\u00a0',
    '\ufe0f\u{e0041}',
  ])('calls %j blank', (text) => {
    expect(isBlankText(text)).toBe(true);
    expect(messageTextProblem(text)).toBe('blank');
  });

  it.each([
    ['a lone high surrogate', 'a\ud800', 'lone_surrogate'],
    ['a lone low surrogate', '\udc00b', 'lone_surrogate'],
    ['a lone surrogate alone', '\ud800', 'lone_surrogate'],
    ['ESC inside text', 'a\u001b[31m', 'control_character'],
    ['NUL inside text', 'a\u0000b', 'control_character'],
    ['a C1 control inside text', 'a\u009bb', 'control_character'],
  ])('finds %s', (_name, text, problem) => {
    expect(messageTextProblem(text)).toBe(problem);
  });

  it.each(['hi', '😀', 'e\u0301', 'tab\there\r\nline', '\u05e9\u05dc\u05d5\u05dd', 'a\u200bb', '\u202egpj.exe', '⠁', '﷽'])(
    'accepts %j',
    (text) => {
      expect(messageTextProblem(text)).toBeUndefined();
    },
  );
});

describe('cleanMessageText', () => {
  it('drops refused controls, keeps tab and line breaks, and repairs lone surrogates', () => {
    expect(cleanMessageText('a\u001b[1mb\u0000\u0085\tc\r\nd')).toBe('a[1mb\tc\r\nd');
    expect(cleanMessageText('x\ud800y😀')).toBe('x\ufffdy😀');
    expect(messageTextProblem(cleanMessageText('hi\u0007\udc00'))).toBeUndefined();
  });
});

describe('the schemas apply it', () => {
  it('SendBody and ChatRecordV1 refuse hidden, malformed and control text', () => {
    for (const text of ['\u200b', 'x\ud800', 'x\u0007']) {
      expect(check(SendBody, { to: 'bob', text })).toBe(false);
      expect(check(ChatRecordV1, { ...record, text })).toBe(false);
    }
    expect(check(SendBody, { to: 'bob', text: 'ok 😀' })).toBe(true);
  });

  it('ChatMessage (what history returns) checks only the length, so older rows still load', () => {
    const message = { ...record, state: 'sent' };
    delete (message as Partial<typeof record>).v;
    expect(check(ChatMessage, { ...message, text: '\u200b' })).toBe(true);
  });

  it('Credentials refuse a password with a lone surrogate', () => {
    expect(check(Credentials, { username: 'alice', password: 'long enough \ud800' })).toBe(false);
    expect(check(Credentials, { username: 'alice', password: 'long enough 😀' })).toBe(true);
  });
});
