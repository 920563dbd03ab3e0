// Starts the history consumer once the app is ready: Kafka → history store → sockets.
import fp from 'fastify-plugin';
import { createDeliveryPipeline } from '../delivery/pipeline.js';

export default fp(
  async (app) => {
    const log = app.log.child({ module: 'delivery' });
    const groupId = app.config.kafka.historyGroup;
    // Our seat in the group: several processes may share one store, and in time one group.
    const seat = { groupId, instanceId: app.config.kafka.instanceId };
    const handleBatch = createDeliveryPipeline({
      bus: app.bus,
      codec: app.recordCodec,
      messages: app.repos.messages,
      realtime: app.realtime,
      metrics: app.metrics,
      logger: log as never,
    });
    let remembered: string | undefined;
    app.addHook('onReady', async () => {
      remembered = await app.repos.kafkaMembers.find(seat);
      // Not awaited past this point: the join may wait on a dead predecessor's session, and the
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
        onStateChange: (state) => app.metrics.consumerConsuming.set({ group: groupId }, state === 'consuming' ? 1 : 0),
        onFatal: (error) => {
          // Delivery must never stop silently: exit so the supervisor (or npm start) restarts us.
          log.fatal({ err: error }, 'the Kafka consumer cannot consume; exiting');
          process.exit(1);
        },
      });
    });
  },
  { name: 'delivery', dependencies: ['core'] },
);
