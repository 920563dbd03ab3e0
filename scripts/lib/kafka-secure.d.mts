// Types for kafka-secure.mjs: the secure local broker's ACL helpers, for TypeScript tests.
import type { KafkaSecurity, ScramUser } from './kafka-local.mjs';

export interface AclEntry {
  resourceType: 'TOPIC' | 'GROUP' | 'TRANSACTIONAL_ID';
  resourceName: string;
  resourcePatternType: 'LITERAL' | 'PREFIXED';
  principal: string;
  operation: 'CREATE' | 'DESCRIBE' | 'WRITE' | 'READ' | 'ALL';
}

export const ADMIN_USER: string;
export function serverAcls(username: string, topicPrefix: string): AclEntry[];
export function grantAcls(bootstrap: string, security: KafkaSecurity, acls: AclEntry[]): Promise<void>;
export function kafkajsSecurity(
  security: KafkaSecurity,
  user?: ScramUser,
): { ssl: { ca: string[] }; sasl: { mechanism: 'scram-sha-512'; username: string; password: string } };
