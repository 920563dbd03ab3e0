// The admin client: topics created if missing, committed offsets, the history group's lag, and
// the ping readiness uses. Nothing here joins a group or produces.
import type { Admin, Kafka } from 'kafkajs';
import { accessDenial } from './client.js';
import { withTimeout } from './timeout.js';
import { KafkaAccessDeniedError, type KafkaBusOptions } from './types.js';

type AdminOptions = Pick<KafkaBusOptions, 'messagesTopic' | 'dlqTopic' | 'partitions' | 'replicationFactor' | 'historyGroup' | 'connectTimeoutMs'>;

export function createKafkaAdmin(kafka: Kafka, options: AdminOptions) {
  const admin: Admin = kafka.admin();

  /** The group's committed offsets on the messages topic (partition → next offset); none: empty. */
  async function committedOffsets(groupId: string): Promise<Map<number, number>> {
    const result = await admin.fetchOffsets({ groupId, topics: [options.messagesTopic] });
    const offsets = new Map<number, number>();
    for (const topic of result) {
      for (const p of topic.partitions) {
        const offset = Number(p.offset);
        if (offset >= 0) offsets.set(p.partition, offset);
      }
    }
    return offsets;
  }

  async function ping(timeoutMs = 2000): Promise<boolean> {
    try {
      await withTimeout(admin.describeCluster(), timeoutMs, 'Kafka describeCluster');
      return true;
    } catch {
      return false;
    }
  }

  return {
    /**
     * Connects and creates the topics if they are missing; resolves with the messages topic's
     * partition count. Rejects with KafkaAccessDeniedError when the brokers refuse our
     * credentials or ACLs.
     */
    async connect(): Promise<number> {
      try {
        await withTimeout(admin.connect(), options.connectTimeoutMs * 3, 'Kafka admin connect');
        await admin.createTopics({
          waitForLeaders: true,
          topics: [
            { topic: options.messagesTopic, numPartitions: options.partitions, replicationFactor: options.replicationFactor },
            { topic: options.dlqTopic, numPartitions: 1, replicationFactor: options.replicationFactor },
          ],
        });
        const metadata = await admin.fetchTopicMetadata({ topics: [options.messagesTopic] });
        return metadata.topics[0]?.partitions.length ?? options.partitions;
      } catch (error) {
        const denied = accessDenial(error);
        if (denied) throw new KafkaAccessDeniedError(denied, { cause: error });
        throw error;
      }
    },

    committedOffsets,

    /** Lag of the history group: records on the topic not yet stored. */
    async historyLag(): Promise<number> {
      const [done, ends] = await Promise.all([committedOffsets(options.historyGroup), admin.fetchTopicOffsets(options.messagesTopic)]);
      let lag = 0;
      for (const p of ends) lag += Math.max(0, Number(p.high) - (done.get(p.partition) ?? 0));
      return lag;
    },

    ping,

    disconnect: () => admin.disconnect(),
  };
}

export type KafkaAdmin = ReturnType<typeof createKafkaAdmin>;
