import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_GROUP_MEMBERS } from '@messenger/protocol';
import { ConfigError, loadConfig, plaintextRemoteBrokers } from './config.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
};
const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('Kafka security settings', () => {
  it('default to plaintext without SASL, and a key generated into the data dir', () => {
    const config = loadConfig({ DATA_DIR: dir });
    expect(config.kafka.ssl).toBeUndefined();
    expect(config.kafka.sasl).toBeUndefined();
    expect(config.recordSigning).toEqual({ keys: undefined, generatedKeyFile: path.join(dir, 'record-signing-keys') });
  });

  it('read SCRAM over TLS with a private CA and a password file, and never show the password', () => {
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const config = loadConfig({
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: file('ca.pem', 'PEM'),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'messenger',
      KAFKA_SASL_PASSWORD_FILE: file('pw', `${password}\n`),
    });
    expect(config.kafka.ssl).toEqual({ ca: ['PEM'] });
    expect(config.kafka.sasl?.username).toBe('messenger');
    expect(config.kafka.sasl?.password.reveal()).toBe(password);
    expect(`${JSON.stringify(config)} ${inspect(config, { depth: 10 })}`).not.toContain(password);
  });

  it('list every inconsistent or unreadable setting, without echoing secrets', () => {
    const secret = `s3cret-${randomBytes(4).toString('hex')}`;
    const found = problems({
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_PASSWORD: secret,
      KAFKA_SASL_PASSWORD_FILE: path.join(dir, 'missing'),
      RECORD_SIGNING_KEYS: `bad id:${secret}`,
    });
    expect(found.join('\n')).toMatch(/needs KAFKA_SSL=true/);
    expect(found.join('\n')).toMatch(/needs KAFKA_SASL_USERNAME/);
    expect(found.join('\n')).toMatch(/not both/);
    expect(found.join('\n')).toMatch(/RECORD_SIGNING_KEYS: signing key #1/);
    expect(found.join('\n')).not.toContain(secret);
    expect(problems({ KAFKA_SASL_MECHANISM: 'plain' }).join('\n')).toMatch(/KAFKA_SASL_MECHANISM/);
    expect(problems({ KAFKA_SASL_USERNAME: 'u' }).join('\n')).toMatch(/KAFKA_SASL_MECHANISM is none/);
    expect(problems({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: path.join(dir, 'nope.pem') }).join('\n')).toMatch(/KAFKA_SSL_CA_FILE.*ENOENT/);
    expect(problems({ KAFKA_SSL: 'yes' }).join('\n')).toMatch(/KAFKA_SSL/);
  });

  it('name the brokers reached in plaintext off this machine', () => {
    const brokers = ['127.0.0.1:9092', 'localhost:9093', '[::1]:9094', 'kafka-1.internal:9092', '10.0.0.5:9092'];
    expect(plaintextRemoteBrokers({ brokers, ssl: undefined })).toEqual(['kafka-1.internal:9092', '10.0.0.5:9092']);
    expect(plaintextRemoteBrokers({ brokers, ssl: {} })).toEqual([]);
  });

  it('take signing keys from a variable or a file, newest first', () => {
    const [a, b] = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64')];
    expect(loadConfig({ RECORD_SIGNING_KEYS: `new:${a},old:${b}` }).recordSigning.keys?.map((k) => k.id)).toEqual(['new', 'old']);
    const keysFile = file('keys', `new:${a}\nold:${b}\n`);
    expect(loadConfig({ RECORD_SIGNING_KEYS_FILE: keysFile }).recordSigning.keys?.map((k) => k.id)).toEqual(['new', 'old']);
    expect(problems({ RECORD_SIGNING_KEYS: `x:${a}`, RECORD_SIGNING_KEYS_FILE: keysFile }).join('\n')).toMatch(/not both/);
  });
});

describe('DATABASE_URL', () => {
  it('defaults to the SQLite file in DATA_DIR, or DATABASE_FILE, or the path after sqlite:', () => {
    expect(loadConfig({ DATA_DIR: dir }).database).toEqual({ kind: 'sqlite', file: path.join(dir, 'messenger.sqlite') });
    expect(loadConfig({ DATA_DIR: dir, DATABASE_URL: 'sqlite:' }).database).toEqual({ kind: 'sqlite', file: path.join(dir, 'messenger.sqlite') });
    expect(loadConfig({ DATABASE_FILE: path.join(dir, 'x.db') }).database).toEqual({ kind: 'sqlite', file: path.join(dir, 'x.db') });
    expect(loadConfig({ DATABASE_URL: `sqlite:${dir}/y.db` }).database).toEqual({ kind: 'sqlite', file: path.join(dir, 'y.db') });
    expect(loadConfig({ DATABASE_URL: `sqlite://${dir}/z.db` }).database).toEqual({ kind: 'sqlite', file: path.join(dir, 'z.db') });
  });

  it('takes postgres:// and postgresql:// URLs, keeping the password out of every printable form', () => {
    const password = `pw-${randomBytes(8).toString('hex')}`;
    for (const scheme of ['postgres', 'postgresql']) {
      const config = loadConfig({ DATABASE_URL: `${scheme}://app:${password}@db.internal:5433/messenger`, DATABASE_POOL_MAX: '25' });
      if (config.database.kind !== 'postgres') throw new Error('expected postgres');
      expect(config.database.url.reveal()).toBe(`${scheme}://app:${password}@db.internal:5433/messenger`);
      expect(config.database.display).toBe(`${scheme}://app@db.internal:5433/messenger`);
      expect(config.database.poolMax).toBe(25);
      expect(`${JSON.stringify(config)} ${inspect(config, { depth: 10 })}`).not.toContain(password);
    }
  });

  it('refuses other schemes, URLs without a database, and DATABASE_FILE beside a Postgres URL, without echoing the URL', () => {
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const all = [
      ...problems({ DATABASE_URL: `mysql://app:${password}@db/messenger` }),
      ...problems({ DATABASE_URL: `postgres://app:${password}@db.internal` }),
      ...problems({ DATABASE_URL: `postgres://app:${password}@db/messenger`, DATABASE_FILE: '/tmp/x.db' }),
      ...problems({ DATABASE_URL: 'sqlite:/tmp/a.db', DATABASE_FILE: '/tmp/b.db' }),
      ...problems({ DATABASE_POOL_MAX: '0' }),
    ];
    expect(all).toEqual([
      expect.stringMatching(/^DATABASE_URL=\(hidden\): must be sqlite:\[path\] or postgres:\/\//),
      expect.stringMatching(/^DATABASE_URL=\(hidden\): a postgres:\/\/ URL needs a host and a database name/),
      'DATABASE_FILE applies to SQLite only, but DATABASE_URL is a postgres:// URL',
      'DATABASE_URL names a SQLite file and DATABASE_FILE is set too: set one',
      expect.stringMatching(/^DATABASE_POOL_MAX=0: /),
    ]);
    expect(all.join('\n')).not.toContain(password);
  });
});

describe('GROUP_MAX_MEMBERS', () => {
  it('defaults to the contract default and takes 2 to 10,000', () => {
    expect(loadConfig({}).groups.maxMembers).toBe(DEFAULT_MAX_GROUP_MEMBERS);
    expect(loadConfig({ GROUP_MAX_MEMBERS: '10000' }).groups.maxMembers).toBe(10_000);
    expect(loadConfig({ GROUP_MAX_MEMBERS: '2' }).groups.maxMembers).toBe(2);
    for (const bad of ['1', '10001', 'many']) expect(problems({ GROUP_MAX_MEMBERS: bad }).join('\n')).toMatch(/^GROUP_MAX_MEMBERS=/);
  });
});

describe('MESSAGE_EDIT_WINDOW_SECONDS', () => {
  it('defaults to 48 hours, takes 0 for no limit, and refuses negative, unit-suffixed or absurd values', () => {
    expect(loadConfig({}).messageActions.editWindowMs).toBe(48 * 3_600_000);
    expect(loadConfig({ MESSAGE_EDIT_WINDOW_SECONDS: '0' }).messageActions.editWindowMs).toBe(0);
    expect(loadConfig({ MESSAGE_EDIT_WINDOW_SECONDS: '1' }).messageActions.editWindowMs).toBe(1000);
    for (const bad of ['-1', '2d', '315360001']) {
      expect(problems({ MESSAGE_EDIT_WINDOW_SECONDS: bad }).join('\n')).toMatch(/^MESSAGE_EDIT_WINDOW_SECONDS=/);
    }
  });
});
