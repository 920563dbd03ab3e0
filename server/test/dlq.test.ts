import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { collectMessages, connect, register, removeDir, startApp, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp({ TOPIC_PARTITIONS: '1' });
});
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dataDir);
});

describe('poison records', () => {
  it('go to the dead-letter topic with why and where; the records after them keep flowing', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const topic = `${t.prefix}.messages`;
    const kafka = new Kafka({ brokers: inject('kafkaBrokers').split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const good = (id: string, text: string) =>
      JSON.stringify({ v: 1, id, from: alice.username, to: bob.username, text, sentAt: new Date().toISOString() });
    const poison = [
      { key: bob.username, value: '{not json' },
      { key: bob.username, value: JSON.stringify({ v: 1, hello: 'world' }) },
      { key: bob.username, value: 'x'.repeat(200_000) },
      { key: 'someone-else', value: good('0192f5a4-7c1e-7a3b-9c4d-000000000001', 'wrong key') },
      // A foreign writer's text that would show as an empty bubble, and one with no UTF-8 form
      // (written as the JSON escape, as JSON.stringify does): both refused like any bad schema.
      { key: bob.username, value: good('0192f5a4-7c1e-7a3b-9c4d-000000000003', '\u200b\u3164') },
      { key: bob.username, value: good('0192f5a4-7c1e-7a3b-9c4d-000000000004', 'x\ud800') },
    ];
    await producer.send({ topic, messages: poison });
    const after = await producer.send({
      topic,
      messages: [{ key: bob.username, value: good('0192f5a4-7c1e-7a3b-9c4d-000000000002', 'still flowing') }],
    });
    await producer.disconnect();

    const socket = await connect(t, bob.token);
    const inbox = collectMessages(socket);
    await inbox.until(1);
    expect(inbox.texts).toEqual(['still flowing']);
    socket.close();

    const consumer = kafka.consumer({ groupId: `${t.prefix}.dlq-check` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
    const dead: Record<string, string>[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
          dead.push(headers);
          if (dead.length === poison.length) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(dead.map((h) => h['dlq-reason'])).toEqual(['bad_json', 'bad_schema', 'too_large', 'key_mismatch', 'bad_schema', 'bad_schema']);
    const firstOffset = Number(after[0]?.baseOffset) - poison.length;
    expect(dead.map((h) => Number(h['dlq-original-offset']))).toEqual(poison.map((_, i) => firstOffset + i));
    for (const h of dead) {
      expect(h['dlq-original-topic']).toBe(topic);
      expect(h['dlq-original-partition']).toBe('0');
      expect(h['dlq-error']?.length).toBeGreaterThan(0);
    }
  });
});
