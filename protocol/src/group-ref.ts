// A group's id and the reference a group message carries. Apart from group.ts so that message.ts
// can use it without an import cycle.
import { Type, type Static } from '@sinclair/typebox';

export const MAX_GROUP_NAME_LENGTH = 64;

/** Group ids are UUIDs made by the server that created the group. */
export const GroupId = Type.String({
  pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  minLength: 36,
  maxLength: 36,
});
export type GroupId = Static<typeof GroupId>;

/** Which group a message belongs to, with the group's name when it was sent. */
export const GroupRef = Type.Object({ id: GroupId, name: Type.String({ minLength: 1, maxLength: MAX_GROUP_NAME_LENGTH }) });
export type GroupRef = Static<typeof GroupRef>;
