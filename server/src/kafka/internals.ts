// The only code that reaches into kafkajs' private parts, kept small so a kafkajs upgrade has
// one file to check. kafkajs' broker-level cluster, its group coordinator lookup, raw
// OffsetCommit and LeaveGroup are not public API, and we need two things they alone allow:
// - commit a per-recipient group's offsets without that group ever joining (a "simple" commit
//   with generation -1, the same request Kafka's own admin tools send), see inbox-commits.ts;
// - evict a dead member of ours from the history group by its member id (LeaveGroup may be
//   sent by any client), see history-consumer.ts.
// kafkajs 2.2.4 is final, so these internals are stable; the inbox-lag checks in
// test/delivery.test.ts and the dead-member restart test guard them.
import { createRequire } from 'node:module';
import type { Kafka } from 'kafkajs';
import { withTimeout } from './timeout.js';

interface InternalBroker {
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    retentionTime?: number;
    topics: { topic: string; partitions: { partition: number; offset: string }[] }[];
  }): Promise<{ responses: { partitions: { partition: number; errorCode: number }[] }[] }>;
}
interface InternalCoordinator extends InternalBroker {
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
}
interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<InternalCoordinator>;
}

const require = createRequire(import.meta.url);

export function createGroupInternals(kafka: Kafka) {
  const cluster = createInternalCluster(kafka);
  const coordinators = new Map<string, InternalBroker>();

  return {
    connect: () => cluster.connect(),
    disconnect: () => cluster.disconnect(),

    /**
     * Commits `offsets` (partition → next offset) for `groupId` without joining it: generation
     * -1, no member, kept until the group is deleted. A coordinator that moved is looked up again
     * once.
     */
    async commitOffsets(groupId: string, topic: string, offsets: ReadonlyMap<number, number>): Promise<void> {
      const request = {
        groupId,
        groupGenerationId: -1,
        memberId: '',
        retentionTime: -1,
        topics: [{ topic, partitions: [...offsets].map(([partition, offset]) => ({ partition, offset: String(offset) })) }],
      };
      // Two tries, no pause, the cached coordinator dropped between: shorter than p-retry's options.
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          let coordinator = coordinators.get(groupId);
          if (!coordinator) {
            coordinator = await cluster.findGroupCoordinator({ groupId });
            coordinators.set(groupId, coordinator);
          }
          await coordinator.offsetCommit(request);
          return;
        } catch (error) {
          coordinators.delete(groupId);
          if (attempt === 1) throw error;
        }
      }
    },

    /** LeaveGroup for `memberId`, each step within `timeoutMs`; rejects with kafkajs' error (type UNKNOWN_MEMBER_ID: already gone). */
    async leaveGroup(groupId: string, memberId: string, timeoutMs: number): Promise<void> {
      const coordinator = await withTimeout(cluster.findGroupCoordinator({ groupId }), timeoutMs, 'group coordinator lookup');
      await withTimeout(coordinator.leaveGroup({ groupId, memberId }), timeoutMs, 'LeaveGroup');
    },
  };
}

export type GroupInternals = ReturnType<typeof createGroupInternals>;

function createInternalCluster(kafka: Kafka): InternalCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  if (!symbol) throw new Error('kafkajs internals changed: private:Kafka:createCluster not found');
  const create = (kafka as unknown as Record<symbol, (o: object) => InternalCluster>)[symbol];
  if (!create) throw new Error('kafkajs internals changed');
  // The same emitter class kafkajs gives its admin client; without one, request events throw.
  const Emitter = require('kafkajs/src/instrumentation/emitter') as new () => object;
  return create({ allowAutoTopicCreation: false, instrumentationEmitter: new Emitter() });
}
