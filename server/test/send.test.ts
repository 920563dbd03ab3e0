import type { SendResponse } from '@messenger/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { appPerFile, autoAck, collectMessages, connect, register, send } from './helpers/app.js';

const t = appPerFile();

describe('POST /send', () => {
  it('answers 202 with where Kafka put it, keyed by the recipient, with the id in a header', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const res = await send(t, alice.token, bob.username, 'hello bob');
    expect(res.statusCode).toBe(202);
    const body = res.json<SendResponse>();
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(body.offset)).toBeGreaterThanOrEqual(0);

    // Read it back with a plain Kafka client at the acknowledged partition and offset.
    const kafka = new Kafka({ brokers: inject('kafkaBrokers').split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${t.prefix}.verify` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${t.prefix}.messages`, fromBeginning: true });
    const seen = new Promise<{ key: string; value: Record<string, unknown>; header: string }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (partition !== body.partition || message.offset !== body.offset) return;
          resolve({
            key: message.key?.toString() ?? '',
            value: JSON.parse(message.value?.toString() ?? '{}') as Record<string, unknown>,
            header: message.headers?.['message-id']?.toString() ?? '',
          });
        },
      });
    });
    const record = await seen;
    await consumer.disconnect();
    expect(record.key).toBe(bob.username);
    expect(record.header).toBe(body.id);
    expect(record.value).toEqual({ v: 1, id: body.id, from: alice.username, to: bob.username, text: 'hello bob', sentAt: body.sentAt });
  });

  it('answers 404 for an unknown recipient', async () => {
    const alice = await register(t);
    const res = await send(t, alice.token, 'nobody-here', 'hi');
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('recipient_not_found');
  });

  it('gives the same id for the same Idempotency-Key, and delivers one message', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const key = `key-${Date.now()}`;
    const [a, b] = await Promise.all([
      send(t, alice.token, bob.username, 'once', { 'idempotency-key': key }),
      send(t, alice.token, bob.username, 'once', { 'idempotency-key': key }),
    ]);
    const c = await send(t, alice.token, bob.username, 'once', { 'idempotency-key': key });
    expect([a.statusCode, b.statusCode, c.statusCode]).toEqual([202, 202, 202]);
    expect(new Set([a.json().id, b.json().id, c.json().id]).size).toBe(1);
    const conflict = await send(t, alice.token, bob.username, 'different', { 'idempotency-key': key });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe('idempotency_conflict');
    // Another sender may use the same key for their own message.
    const carol = await register(t);
    const other = await send(t, carol.token, bob.username, 'mine', { 'idempotency-key': key });
    expect(other.json().id).not.toBe(a.json().id);

    const socket = await connect(t, bob.token);
    const inbox = collectMessages(socket);
    autoAck(socket, bob.username);
    await inbox.until(2);
    expect(inbox.texts.sort()).toEqual(['mine', 'once']);
    socket.close();
  });
});
