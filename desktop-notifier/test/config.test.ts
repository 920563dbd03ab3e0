import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  defaultConfigDir,
  deleteSession,
  loadSession,
  normalizeServer,
  permissionProblem,
  saveSession,
  seenFile,
  sessionFile,
} from '../src/config.js';
import { notifySendArgs, stableId } from '../src/notify.js';
import { notifySendHasActions, parseNotifySendVersion, quotedStrings } from '../src/selfcheck.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('defaultConfigDir', () => {
  it('follows each OS convention', () => {
    expect(defaultConfigDir({}, 'linux', '/home/u')).toBe('/home/u/.config/chat-notifier');
    expect(defaultConfigDir({ XDG_CONFIG_HOME: '/x/cfg' }, 'linux', '/home/u')).toBe('/x/cfg/chat-notifier');
    expect(defaultConfigDir({ XDG_CONFIG_HOME: 'relative' }, 'linux', '/home/u')).toBe('/home/u/.config/chat-notifier');
    expect(defaultConfigDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/chat-notifier');
    expect(defaultConfigDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toBe(
      'C:\\Users\\u\\AppData\\Roaming\\chat-notifier',
    );
  });
  it('honours CHAT_NOTIFIER_CONFIG_DIR', () => {
    expect(defaultConfigDir({ CHAT_NOTIFIER_CONFIG_DIR: '/tmp/cn' }, 'darwin', '/Users/u')).toBe('/tmp/cn');
  });
});

describe('session file', () => {
  it('round-trips with mode 600 in a 700 directory, and deletes', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-')), 'chat-notifier');
    dirs.push(path.dirname(dir));
    expect(loadSession(dir)).toBeNull();
    saveSession(dir, { server: 'http://h:1', username: 'bob', token: 'secret', expiresAt: '2030-01-01T00:00:00.000Z' });
    expect(loadSession(dir)).toMatchObject({ server: 'http://h:1', username: 'bob', token: 'secret', version: 1 });
    if (process.platform !== 'win32') {
      expect(fs.statSync(sessionFile(dir)).mode & 0o777).toBe(0o600);
      expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
      expect(permissionProblem(dir)).toBeNull();
      fs.chmodSync(sessionFile(dir), 0o644);
      expect(permissionProblem(dir)).toMatch(/chmod 600/);
    }
    expect(deleteSession(dir)).toBe(true);
    expect(deleteSession(dir)).toBe(false);
    expect(loadSession(dir)).toBeNull();
  });
  it('keeps seen ids per server and account', () => {
    expect(seenFile('/d', 'http://a:1', 'bob')).not.toBe(seenFile('/d', 'http://b:1', 'bob'));
    expect(seenFile('/d', 'http://a:1/', 'bob')).toBe(seenFile('/d', 'http://a:1', 'bob'));
    expect(seenFile('/d', 'http://a:1', 'bob')).not.toBe(seenFile('/d', 'http://a:1', 'eve'));
  });
});

describe('normalizeServer', () => {
  it('accepts http(s) URLs and drops the trailing slash', () => {
    expect(normalizeServer('http://127.0.0.1:3000/')).toBe('http://127.0.0.1:3000');
    expect(normalizeServer('https://chat.example.com/base/')).toBe('https://chat.example.com/base');
  });
  it.each(['chat.example.com', 'ftp://x', 'http://u:p@x', ''])('refuses %j', (raw) => {
    expect(() => normalizeServer(raw)).toThrow();
  });
});

describe('notify-send options', () => {
  it('sets app name, icon, category and a per-conversation stack tag; escapes markup', () => {
    const args = notifySendArgs({ title: 'alice', body: 'a <b> & c', conversation: 'alice', path: '/c/alice' }, true);
    expect(args).toEqual(
      expect.arrayContaining([
        '--app-name=chat-notifier',
        '--category=im.received',
        '--hint=string:x-canonical-private-synchronous:chat-notifier-alice',
      ]),
    );
    const icon = args.find((a) => a.startsWith('--icon='))?.slice('--icon='.length) ?? '';
    expect(fs.existsSync(icon)).toBe(true);
    expect(args.slice(-3)).toEqual(['--', 'alice', 'a &lt;b&gt; &amp; c']);
    // A group's bubbles stack apart from its members' 1:1 chats.
    const group = notifySendArgs({ title: 'Team · alice', body: 'x', conversation: '#0b6c1f1e-3a52-4f0e-9d1a-6d2f0f4b8c11', path: '/g/x' }, true);
    expect(group).toContain('--hint=string:x-canonical-private-synchronous:chat-notifier-#0b6c1f1e-3a52-4f0e-9d1a-6d2f0f4b8c11');
    expect(notifySendArgs({ title: 'a', body: '<b>', conversation: 'a', path: '/c/a' }, false).at(-1)).toBe('<b>');
  });
  it('ends the options with -- so a title or body that starts with a dash stays text', () => {
    const args = notifySendArgs({ title: '-ucritical', body: '--help', conversation: '-ucritical', path: '/c/-ucritical' }, false);
    expect(args.slice(-3)).toEqual(['--', '-ucritical', '--help']);
    // Every option carries its value in the same element: nothing else can start a new option.
    expect(args.slice(0, -3).every((a) => /^--[a-z-]+=/.test(a))).toBe(true);
  });
  it('gives Windows a stable positive id per conversation', () => {
    expect(stableId('alice')).toBe(stableId('alice'));
    expect(stableId('alice')).not.toBe(stableId('bob'));
    expect(stableId('z'.repeat(32))).toBeGreaterThan(0);
  });
  it('reads gdbus output', () => {
    expect(quotedStrings("('dunst', 'knopwob', '1.9.0', '1.2')")).toEqual(['dunst', 'knopwob', '1.9.0', '1.2']);
  });
});

describe('notify-send versions', () => {
  it('finds the version and knows --action came in 0.7.10', () => {
    expect(parseNotifySendVersion('notify-send 0.8.1\n')).toEqual([0, 8, 1]);
    expect(parseNotifySendVersion('notify-send 0.7')).toEqual([0, 7, 0]);
    expect(parseNotifySendVersion('Unknown option --version')).toBeNull();
    expect(notifySendHasActions([0, 8, 1])).toBe(true);
    expect(notifySendHasActions([0, 7, 10])).toBe(true);
    expect(notifySendHasActions([0, 7, 9])).toBe(false);
    expect(notifySendHasActions([0, 6, 99])).toBe(false);
    expect(notifySendHasActions([1, 0, 0])).toBe(true);
    expect(notifySendHasActions(null)).toBe(false);
  });
});
