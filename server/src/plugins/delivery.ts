// Starts the history consumer once the app is ready: Kafka → history store → sockets.
import fp from 'fastify-plugin';
import { createDeliveryPipeline } from '../delivery/pipeline.js';

export default fp(
  async (app) => {
    const handleBatch = createDeliveryPipeline({
      bus: app.bus,
      codec: app.recordCodec,
      messages: app.repos.messages,
      realtime: app.realtime,
      metrics: app.metrics,
      logger: app.log.child({ module: 'delivery' }) as never,
    });
    app.addHook('onReady', async () => {
      await app.bus.startConsumer(handleBatch, (error) => {
        // Delivery must never stop silently: exit so the supervisor (or npm start) restarts us.
        app.log.fatal({ err: error }, 'the Kafka consumer keeps crashing; exiting');
        process.exit(1);
      });
    });
  },
  { name: 'delivery', dependencies: ['core'] },
);
