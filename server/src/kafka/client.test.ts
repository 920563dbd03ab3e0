import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createKafkaClient } from './client.js';
import type { KafkaBusOptions } from './types.js';

function clientLogging() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
      done();
    },
  });
  const options = { clientId: 'test', brokers: ['127.0.0.1:1'], connectTimeoutMs: 1000, sendTimeoutMs: 1000, logger: pino({ level: 'debug' }, stream) };
  const kafka = createKafkaClient(options as unknown as KafkaBusOptions);
  return { lines, log: kafka.logger() };
}

describe('kafkajs log lines in ours', () => {
  it('keeps what kafkajs retries by itself out of the error level: a rebalance on every start is normal', () => {
    const { lines, log } = clientLogging();
    log.error('Response Heartbeat(key: 12, version: 3)', { error: 'The group is rebalancing, so a rejoin is needed' });
    log.error('Response JoinGroup(key: 11, version: 5)', { error: 'The coordinator is loading and hence can\'t process requests' });
    expect(lines.map((l) => l.level)).toEqual([20, 20]);
  });

  it('still reports a real failure as an error', () => {
    const { lines, log } = clientLogging();
    log.error('Response SaslAuthenticate(key: 36, version: 1)', { error: 'SASL SCRAM SHA256 authentication failed' });
    expect(lines.map((l) => l.level)).toEqual([50]);
  });
});
