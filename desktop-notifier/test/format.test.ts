import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_BODY_CHARS,
  MAX_TITLE_CHARS,
  appUrl,
  escapeMarkup,
  formatMessage,
  formatSummary,
  plain,
  truncate,
} from '../src/format.js';

describe('plain', () => {
  it('removes control characters and collapses white space', () => {
    expect(plain('hi\u0007 there\n\nsecond\tline\u001b[31m red')).toBe('hi there second line[31m red');
    expect(plain('  a\r\nb  ')).toBe('a b');
  });
  it('removes bidi overrides and zero-width characters', () => {
    expect(plain('evil\u202egpj.exe')).toBe('evilgpj.exe');
    expect(plain('a\u200bb\ufeff')).toBe('ab');
  });
  it('keeps the joiners that emoji and scripts such as Persian need', () => {
    // ZWJ builds "woman technologist" from three emoji; ZWNJ is part of Persian spelling.
    expect(plain('\u{1f469}\u{1f3fd}\u200d\u{1f4bb} \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645')).toBe(
      '\u{1f469}\u{1f3fd}\u200d\u{1f4bb} \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645',
    );
  });
  it('never leaves a control character or a newline', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        // eslint-disable-next-line no-control-regex
        expect(plain(s)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
      }),
    );
  });
});

describe('truncate', () => {
  it('keeps short text and cuts long text with an ellipsis', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('hello world', 6)).toBe('hello…');
  });
  it('never splits a surrogate pair and never exceeds the limit', () => {
    expect(truncate('😀😀😀😀', 3)).toBe('😀😀…');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 1, max: 50 }), (s, max) => {
        const out = truncate(s, max);
        expect(Array.from(out).length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
      }),
    );
  });
});

describe('formatMessage', () => {
  it('uses the sender as title and the plain text as body', () => {
    expect(formatMessage({ from: 'alice', text: 'see you\nat 5' })).toEqual({
      title: 'alice',
      body: 'see you at 5',
      conversation: 'alice',
      path: '/c/alice',
    });
  });
  it('truncates long bodies', () => {
    const body = formatMessage({ from: 'alice', text: 'x'.repeat(4000) }).body;
    expect(Array.from(body)).toHaveLength(MAX_BODY_CHARS);
    expect(body.endsWith('…')).toBe(true);
  });
  it('says so when nothing printable is left', () => {
    expect(formatMessage({ from: 'alice', text: '\u0007\u0008' }).body).toBe('(empty message)');
  });
});

describe('formatSummary', () => {
  it('shows the latest text and the count', () => {
    const s = formatSummary([
      { from: 'bob', text: 'one' },
      { from: 'bob', text: 'two' },
      { from: 'bob', text: 'three' },
    ]);
    expect(s).toEqual({ title: 'bob', body: '(3 new) three', conversation: 'bob', path: '/c/bob' });
    expect(formatSummary([{ from: 'bob', text: 'only' }]).body).toBe('only');
  });
});

const TEAM = { id: '0b6c1f1e-3a52-4f0e-9d1a-6d2f0f4b8c11', name: 'Team' };

describe('group messages', () => {
  it('titles them "Group · Sender", one conversation per group, opened at /g/<id>', () => {
    expect(formatMessage({ from: 'alice', text: 'standup in 5', group: TEAM }, 'mia')).toEqual({
      title: 'Team · alice',
      body: 'standup in 5',
      conversation: `#${TEAM.id}`,
      path: `/g/${TEAM.id}`,
    });
  });
  it('strips controls and bidi tricks from the group name, and keeps the title short', () => {
    const evil = { ...TEAM, name: 'Pay\u202Eroll\u0007 team\nnow' };
    expect(formatMessage({ from: 'alice', text: 'x', group: evil }, 'mia').title).toBe('Payroll team now · alice');
    const long = { ...TEAM, name: 'n'.repeat(64) };
    const title = formatMessage({ from: 'a'.repeat(32), text: '@mia x', group: long }, 'mia').title;
    expect(Array.from(title).length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
    expect(title.endsWith(`· ${'a'.repeat(32)} mentioned you`)).toBe(true);
    expect(title).toContain('…');
  });
  it('marks a message that mentions me', () => {
    expect(formatMessage({ from: 'alice', text: 'ping @Mia please', group: TEAM }, 'mia').title).toBe('Team · alice mentioned you');
    expect(formatMessage({ from: 'alice', text: 'mail mia@example.com', group: TEAM }, 'mia').title).toBe('Team · alice');
    // A 1:1 message is addressed to me anyway: no marker.
    expect(formatMessage({ from: 'alice', text: '@mia hi' }, 'mia').title).toBe('alice');
  });
  it('a catch-up summary of a group leads with the latest mention of me', () => {
    const s = formatSummary(
      [
        { from: 'alice', text: 'one', group: TEAM },
        { from: 'bob', text: '@mia can you look?', group: TEAM },
        { from: 'carol', text: 'three', group: TEAM },
      ],
      'mia',
    );
    expect(s).toEqual({
      title: 'Team · bob mentioned you',
      body: '(3 new) @mia can you look?',
      conversation: `#${TEAM.id}`,
      path: `/g/${TEAM.id}`,
    });
    expect(formatSummary([{ from: 'alice', text: 'a', group: TEAM }, { from: 'bob', text: 'b', group: TEAM }], 'mia').title).toBe('Team · bob');
  });
});

describe('escapeMarkup and appUrl', () => {
  it('escapes markup characters', () => {
    expect(escapeMarkup('<b>a & b</b>')).toBe('&lt;b&gt;a &amp; b&lt;/b&gt;');
  });
  it('builds the web app link', () => {
    expect(appUrl('https://chat.example.com/', formatMessage({ from: 'alice', text: 'x' }).path)).toBe('https://chat.example.com/c/alice');
    expect(appUrl('http://h:3000', formatMessage({ from: 'a.b-c', text: 'x' }).path)).toBe('http://h:3000/c/a.b-c');
    expect(appUrl('http://h:3000/', formatMessage({ from: 'a', text: 'x', group: TEAM }).path)).toBe(`http://h:3000/g/${TEAM.id}`);
  });
});
