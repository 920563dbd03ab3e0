// The facade the rest of the server sees as KafkaBus: produce a chat record, consume the messages
// topic in order (the shared history group, and this process's live group), dead-letter poison,
// and commit per-recipient groups. It only composes the modules beside it (client, producer,
// history-consumer, live-consumer, inbox-commits, admin, internals) and
// orders their start and shutdown. server/src/kafka/ is the only place that imports kafkajs.
import { createKafkaAdmin } from './admin.js';
import { createKafkaClient } from './client.js';
import { createHistoryConsumer } from './history-consumer.js';
import { createInboxCommits } from './inbox-commits.js';
import { createGroupInternals } from './internals.js';
import { createLiveConsumer } from './live-consumer.js';
import { createFanOutProducer } from './fanout-producer.js';
import { createChatProducer } from './producer.js';
import type { KafkaBusOptions } from './types.js';

export type { ConsumerState } from './join-tracker.js';
export type { LiveConsumerOptions, LiveState } from './live-consumer.js';
export {
  KafkaAccessDeniedError,
  KafkaUnavailableError,
  type BatchHandler,
  type ConsumerOptions,
  type KafkaBusOptions,
  type ProduceResult,
  type RawRecord,
} from './types.js';

export function createKafkaBus(options: KafkaBusOptions) {
  const log = options.logger;
  const kafka = createKafkaClient(options);
  const admin = createKafkaAdmin(kafka, options);
  const internals = createGroupInternals(kafka);
  // The configured count until connect() reads the topic's real one.
  let partitionCount = options.partitions;
  const producer = createChatProducer(kafka, options, () => partitionCount);
  const fanOut = createFanOutProducer(kafka, options, producer.partitionFor);
  const inbox = createInboxCommits({ options, log, internals, admin });
  const history = createHistoryConsumer({ kafka, options, log, admin, internals, partitionCount: () => partitionCount });
  const live = createLiveConsumer({ kafka, options, log, partitionCount: () => partitionCount });

  return {
    inboxGroup: inbox.inboxGroup,
    partitionFor: producer.partitionFor,

    /**
     * Connects the producer and admin client and creates the topics if they are missing. Rejects
     * with KafkaAccessDeniedError when the brokers refuse our credentials or ACLs.
     */
    async connect(): Promise<void> {
      partitionCount = await admin.connect();
      await producer.connect();
      await internals.connect();
      inbox.start();
    },

    produce: producer.produce,
    /** All of a group's records (a message's copies, a change's), in one transaction. */
    produceAll: fanOut.produceAll,
    deadLetter: producer.deadLetter,

    startConsumer: history.start,
    consumerState: history.state,
    historyOffsets: () => admin.committedOffsets(options.historyGroup),

    startLiveConsumer: live.start,
    liveState: live.state,
    liveGroup: live.groupId,

    commitInbox: inbox.commitInbox,
    flushInboxCommits: inbox.flush,
    fetchInboxOffsets: inbox.fetchInboxOffsets,

    historyLag: admin.historyLag,
    ping: admin.ping,

    async close(): Promise<void> {
      producer.stop();
      fanOut.stop();
      history.stop();
      live.stop();
      inbox.stop();
      await inbox.flush().catch((error: unknown) => log.warn({ err: error }, 'final inbox commit failed'));
      const producerClosed = producer.close();
      const results = await Promise.allSettled([
        history.disconnect(),
        live.disconnect(),
        producerClosed,
        fanOut.close(),
        admin.disconnect(),
        internals.disconnect(),
      ]);
      for (const r of results) if (r.status === 'rejected') log.warn({ err: r.reason }, 'Kafka client did not close cleanly');
    },
  };
}

export type KafkaBus = ReturnType<typeof createKafkaBus>;
