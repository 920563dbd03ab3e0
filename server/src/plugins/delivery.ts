// Starts delivery once the app is ready. Two consumers per instance:
// - the history consumer, in the group all instances share: its partitions' records are stored
//   once per cluster (delivery/store-pipeline.ts);
// - the live consumer, in a group of this process's own: every record, once stored, is pushed to
//   this instance's sockets (delivery/live-pipeline.ts).
// Between them, the stored watermark (plugins/core.ts): moved by our own stores at once, by other
// instances' by NOTIFY on Postgres, and by a poll of stored_positions whenever the live side waits.
import fp from 'fastify-plugin';
import { createLivePipeline } from '../delivery/live-pipeline.js';
import { createStorePipeline } from '../delivery/store-pipeline.js';

export default fp(
  async (app) => {
    const log = app.log.child({ module: 'delivery' });
    const { historyGroup, instanceId, messagesTopic } = app.config.kafka;
    const watermark = app.storedWatermark;
    // Our seat in the shared history group, remembered so a restart can evict its dead predecessor.
    const seat = { groupId: historyGroup, instanceId };
    const handleBatch = createStorePipeline({
      bus: app.bus,
      codec: app.recordCodec,
      messages: app.repos.messages,
      watermark,
      topic: messagesTopic,
      metrics: app.metrics,
      logger: log as never,
      onOwnCopies: (copies) => app.realtime.acknowledgeOwnCopies(copies),
    });
    const handleLive = createLivePipeline({
      codec: app.recordCodec,
      realtime: app.realtime,
      views: app.repos.messageChanges.views,
      watermark,
      metrics: app.metrics,
      logger: log as never,
    });
    const fatal = (error: unknown) => {
      // Delivery must never stop silently: exit so the supervisor (or npm start) restarts us.
      log.fatal({ err: error }, 'a Kafka consumer cannot consume; exiting');
      process.exit(1);
    };
    let remembered: string | undefined;

    app.addHook('onReady', async () => {
      remembered = await app.repos.kafkaMembers.find(seat);
      // Not awaited past this point: the joins may wait on a dead predecessor's session, and the
      // server must listen (and /readyz answer 503 until it consumes) meanwhile.
      app.bus.startConsumer({
        handler: handleBatch,
        previousMemberId: remembered,
        joinTimeoutMs: app.config.kafka.joinTimeoutMs,
        onJoined: (memberId) => {
          if (memberId === remembered) return;
          remembered = memberId;
          app.repos.kafkaMembers
            .remember(seat, memberId, new Date().toISOString())
            .catch((error: unknown) => log.warn({ err: error }, 'could not remember our history group member id'));
        },
        onStateChange: (state) => app.metrics.consumerConsuming.set({ group: historyGroup }, state === 'consuming' ? 1 : 0),
        onFatal: fatal,
      });
      app.bus.startLiveConsumer({
        // Where the store stands now: everything below was pushed by whoever held those sockets.
        // The history group's committed offsets are a floor for a store filled before the table
        // existed (they are committed only after a batch is stored).
        startAt: async () => {
          await watermark.refresh();
          try {
            watermark.advance(await app.bus.historyOffsets());
          } catch (error) {
            // Only a floor for old stores; the table alone is right for any store it has seen.
            log.debug({ err: error }, 'could not read the history offsets; starting from the stored positions');
          }
          return watermark.positions();
        },
        handler: handleLive,
        onStateChange: (state) => app.metrics.consumerConsuming.set({ group: 'live' }, state === 'consuming' ? 1 : 0),
        onFatal: fatal,
      });
    });
  },
  { name: 'delivery', dependencies: ['core'] },
);
