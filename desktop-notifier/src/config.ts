// Where chat-notifier keeps its state, and the stored session. One account per config dir.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from './seen-store.js';

export const ENV = {
  server: 'CHAT_NOTIFIER_SERVER',
  configDir: 'CHAT_NOTIFIER_CONFIG_DIR',
  username: 'CHAT_NOTIFIER_USERNAME',
  password: 'CHAT_NOTIFIER_PASSWORD',
  mute: 'CHAT_NOTIFIER_MUTE',
  quietHours: 'CHAT_NOTIFIER_QUIET_HOURS',
  grace: 'CHAT_NOTIFIER_GRACE',
} as const;

/** The OS's per-user config directory, or CHAT_NOTIFIER_CONFIG_DIR / --config-dir. */
export function defaultConfigDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home = os.homedir(),
): string {
  const override = env[ENV.configDir];
  if (override) return path.resolve(override);
  if (platform === 'win32') {
    return path.win32.join(env.APPDATA ?? path.win32.join(home, 'AppData', 'Roaming'), 'chat-notifier');
  }
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'chat-notifier');
  const xdg = env.XDG_CONFIG_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.config'), 'chat-notifier');
}

export interface StoredSession {
  version: 1;
  server: string;
  username: string;
  token: string;
  expiresAt: string;
  savedAt: string;
}

export function sessionFile(dir: string): string {
  return path.join(dir, 'session.json');
}

/** Creates the directory (0700) and tightens it if it already existed. */
export function ensureConfigDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') fs.chmodSync(dir, 0o700);
}

export function saveSession(dir: string, session: Omit<StoredSession, 'version' | 'savedAt'>): StoredSession {
  ensureConfigDir(dir);
  const full: StoredSession = { version: 1, ...session, savedAt: new Date().toISOString() };
  writeFileAtomic(sessionFile(dir), `${JSON.stringify(full, null, 2)}\n`, 0o600);
  return full;
}

export function loadSession(dir: string): StoredSession | null {
  let raw: string;
  try {
    raw = fs.readFileSync(sessionFile(dir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const value = JSON.parse(raw) as Partial<StoredSession>;
  if (
    value.version !== 1 ||
    typeof value.server !== 'string' ||
    typeof value.username !== 'string' ||
    typeof value.token !== 'string' ||
    typeof value.expiresAt !== 'string'
  ) {
    throw new Error(`${sessionFile(dir)} is not a chat-notifier session; run "chat-notifier login" again`);
  }
  return value as StoredSession;
}

export function deleteSession(dir: string): boolean {
  try {
    fs.unlinkSync(sessionFile(dir));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Complains when the session file is readable by others (it holds a bearer token). */
export function permissionProblem(dir: string): string | null {
  if (process.platform === 'win32') return null;
  try {
    const mode = fs.statSync(sessionFile(dir)).mode & 0o777;
    if (mode & 0o077) return `${sessionFile(dir)} has mode ${mode.toString(8)}; it should be 600 (chmod 600 it)`;
  } catch {
    return null;
  }
  return null;
}

/** One seen-ids file per server and account. */
export function seenFile(dir: string, server: string, username: string): string {
  const tag = createHash('sha256').update(normalizeServer(server)).digest('hex').slice(0, 12);
  return path.join(dir, 'seen', `${tag}-${username}.json`);
}

/** "http://host:3000/" → "http://host:3000". Refuses anything that is not an http(s) URL. */
export function normalizeServer(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error(`"${raw}" is not a URL (expected e.g. https://chat.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`"${raw}" must start with http:// or https://`);
  }
  if (url.username || url.password) throw new Error('put credentials in the prompt, not in the server URL');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
