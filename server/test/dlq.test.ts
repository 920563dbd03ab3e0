import { RecordHeaders } from '@messenger/protocol';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRecordSigner, parseSigningKeys } from '../src/delivery/record-signature.js';
import { collectMessages, connect, register, removeDir, send, startApp, waitFor, type TestApp } from './helpers/app.js';

// The server's key, given to it explicitly so this test can play "a buggy writer that holds the
// key" for the poison records; the forged records below are made without it.
const signingKeys = `test:${randomBytes(32).toString('base64')}`;
const serverSigner = createRecordSigner(parseSigningKeys(signingKeys));

let t: TestApp;
let kafka: Kafka;
beforeAll(async () => {
  t = await startApp({ TOPIC_PARTITIONS: '1', RECORD_SIGNING_KEYS: signingKeys });
  kafka = new Kafka({ brokers: inject('kafkaBrokers').split(','), logLevel: logLevel.NOTHING });
});
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dataDir);
});

/** Reads the DLQ from the start until `match` has picked `count` records; rejects after `ms`. */
async function readDlq(match: (key: string | undefined) => boolean, count: number, ms = 20_000) {
  const consumer: Consumer = kafka.consumer({ groupId: `${t.prefix}.dlq-check.${randomBytes(3).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic: `${t.prefix}.messages.dlq`, fromBeginning: true });
  const dead: Record<string, string>[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${count} dead letters, got ${dead.length}`)), ms);
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (!match(message.key?.toString())) return;
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
          dead.push(headers);
          if (dead.length === count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return dead;
}

describe('poison records', () => {
  it('go to the dead-letter topic with why and where; the records after them keep flowing', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const topic = `${t.prefix}.messages`;
    const producer = kafka.producer();
    await producer.connect();
    // Signed as the server would sign them: these stand for a buggy writer that holds the key.
    const signed = (key: string, value: string) => ({
      key,
      value,
      headers: serverSigner.sign({ topic, key, value, messageId: undefined, schemaVersion: undefined }),
    });
    const good = (id: string, text: string) =>
      JSON.stringify({ v: 1, id, from: alice.username, to: bob.username, text, sentAt: new Date().toISOString() });
    const poison = [
      signed(bob.username, '{not json'),
      signed(bob.username, JSON.stringify({ v: 1, hello: 'world' })),
      signed(bob.username, 'x'.repeat(200_000)),
      signed('someone-else', good('0192f5a4-7c1e-7a3b-9c4d-000000000001', 'wrong key')),
      // A writer holding the key (a buggy producer) whose text would show as an empty bubble, and
      // one with no UTF-8 form (written as the JSON escape, as JSON.stringify does): both refused
      // like any bad schema.
      signed(bob.username, good('0192f5a4-7c1e-7a3b-9c4d-000000000003', '\u200b\u3164')),
      signed(bob.username, good('0192f5a4-7c1e-7a3b-9c4d-000000000004', 'x\ud800')),
    ];
    await producer.send({ topic, messages: poison });
    const after = await producer.send({
      topic,
      messages: [signed(bob.username, good('0192f5a4-7c1e-7a3b-9c4d-000000000002', 'still flowing'))],
    });
    await producer.disconnect();

    const socket = await connect(t, bob.token);
    const inbox = collectMessages(socket);
    await inbox.until(1);
    expect(inbox.texts).toEqual(['still flowing']);
    socket.close();

    const keys = new Set([bob.username, 'someone-else']);
    const dead = await readDlq((key) => keys.has(key ?? ''), poison.length);
    expect(dead.map((h) => h['dlq-reason'])).toEqual(['bad_json', 'bad_schema', 'too_large', 'key_mismatch', 'bad_schema', 'bad_schema']);
    const firstOffset = Number(after[0]?.baseOffset) - poison.length;
    expect(dead.map((h) => Number(h['dlq-original-offset']))).toEqual(poison.map((_, i) => firstOffset + i));
    for (const h of dead) {
      expect(h['dlq-original-topic']).toBe(topic);
      expect(h['dlq-original-partition']).toBe('0');
      expect(h['dlq-error']?.length).toBeGreaterThan(0);
    }
  });

  it('a forged record (valid JSON, made-up sender, no valid signature) is dead-lettered, never stored nor pushed', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const topic = `${t.prefix}.messages`;
    const socket = await connect(t, bob.token);
    const inbox = collectMessages(socket);

    const forged = (id: string, from: string, text: string) =>
      JSON.stringify({ v: 1, id, from, to: bob.username, text, sentAt: new Date().toISOString() });
    const unsignedId = '0192f5a4-7c1e-7a3b-9c4d-0000000000f1';
    const wrongKeyId = '0192f5a4-7c1e-7a3b-9c4d-0000000000f2';
    const attacker = createRecordSigner(parseSigningKeys(`test:${randomBytes(32).toString('base64')}`));
    const impersonation = forged(wrongKeyId, alice.username, 'signed with a guessed key');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        // A user that does not exist, well-formed in every other way.
        { key: bob.username, value: forged(unsignedId, 'ghost', 'forged'), headers: { [RecordHeaders.messageId]: unsignedId, [RecordHeaders.schemaVersion]: '1' } },
        // A real user impersonated, with a signature under the server's key id but another secret.
        {
          key: bob.username,
          value: impersonation,
          headers: attacker.sign({ topic, key: bob.username, value: impersonation, messageId: undefined, schemaVersion: undefined }),
        },
      ],
    });
    await producer.disconnect();

    // One partition: the genuine message is consumed after the forged ones, so once it is on
    // screen the forged ones have been judged.
    const res = await send(t, alice.token, bob.username, 'genuine, after the forgeries');
    expect(res.statusCode).toBe(202);
    await waitFor(socket, 'message:new', ({ message }) => message.text === 'genuine, after the forgeries');
    expect(inbox.texts).toEqual(['genuine, after the forgeries']);
    socket.close();

    const stored = await t.app.repos.messages.undelivered(bob.username, 100);
    expect(stored.map((p) => p.message.text)).toEqual(['genuine, after the forgeries']);
    expect(await t.app.repos.messages.peersOf(bob.username)).toEqual([alice.username]);

    const dead = await readDlq((key) => key === bob.username, 2);
    expect(dead.map((h) => h['dlq-reason'])).toEqual(['unsigned', 'bad_signature']);
    expect(dead[0]?.[RecordHeaders.messageId]).toBe(unsignedId);
    for (const h of dead) expect(h['dlq-original-topic']).toBe(topic);
  });
});
