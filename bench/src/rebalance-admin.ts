// The two group requests the server sends for groups it is not (or no longer) a member of, done
// through @platformatic/kafka's public admin API. kafkajs needs its private cluster object for
// both (server/src/kafka/internals.ts); here they show what a change of client would offer.
import { Admin } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';

function admin(brokers: string, clientId: string): Admin {
  return new Admin({ clientId, bootstrapBrokers: brokers.split(',') });
}

/** LeaveGroup for a dead member's id, sent by another client (server: history-consumer.ts). */
export async function evictMember(brokers: string, groupId: string, memberId: string, log: (line: string) => void): Promise<void> {
  const a = admin(brokers, 'bench-rebalance-evict');
  try {
    await a.removeMembersFromConsumerGroup({ groupId, members: [{ memberId }] });
  } catch (error) {
    log(`evicting ${memberId} failed (the join waits for its session): ${(error as Error).message}`);
  } finally {
    await a.close().catch(() => undefined);
  }
}

/**
 * A "simple" OffsetCommit (generation -1, no member) for a group that never joined, as the
 * per-recipient delivery record needs (server: inbox-commits.ts), read back with kafkajs.
 * Returns what was read back, or the error.
 */
export async function checkSimpleCommit(brokers: string): Promise<string> {
  const topic = `rebalance-simple-commit-${Date.now().toString(36)}`;
  const groupId = `${topic}.never-joined`;
  const k = new Kafka({ clientId: 'bench-rebalance-check', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  const a = admin(brokers, 'bench-rebalance-check');
  try {
    await k.connect();
    await k.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2 }] });
    await a.alterConsumerGroupOffsets({ groupId, topics: [{ name: topic, partitionOffsets: [{ partition: 1, offset: 42n }] }] });
    const [read] = await k.fetchOffsets({ groupId, topics: [topic] });
    const got = read?.partitions.find((p) => p.partition === 1)?.offset;
    return got === '42' ? 'ok (committed 42 on a never-joined group, read back 42 with kafkajs)' : `MISMATCH (read back ${got})`;
  } catch (error) {
    return `failed: ${(error as Error).message}`;
  } finally {
    await a.close().catch(() => undefined);
    await k.deleteGroups([groupId]).catch(() => undefined);
    await k.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await k.disconnect().catch(() => undefined);
  }
}
