// Each user's own settings of their 1:1 conversations (mute, pin, archive, marked unread): one
// row per (user, peer) with any setting on; a row with none left is deleted.
import type { Db } from './database.js';
import type { ConversationSettingsTable } from './schema.js';

export type ConversationSettingsRow = Omit<ConversationSettingsTable, 'username'>;

/** Every setting off: what no row means. */
export const NO_SETTINGS: Omit<ConversationSettingsRow, 'peer'> = { muted_at: null, pinned_at: null, archived_at: null, marked_unread: 0 };

const COLUMNS = ['peer', 'muted_at', 'pinned_at', 'archived_at', 'marked_unread'] as const;

export function hasNoSettings(row: Omit<ConversationSettingsRow, 'peer'>): boolean {
  return row.muted_at === null && row.pinned_at === null && row.archived_at === null && row.marked_unread === 0;
}

export function createConversationSettingsRepository(db: Db) {
  const countWhere = (username: string, column?: 'pinned_at') => {
    let query = db
      .selectFrom('conversation_settings')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .where('username', '=', username);
    if (column) query = query.where(column, 'is not', null);
    return query.executeTakeFirstOrThrow().then((r) => Number(r.n));
  };

  return {
    async get(username: string, peer: string): Promise<ConversationSettingsRow | undefined> {
      return db.selectFrom('conversation_settings').select(COLUMNS).where('username', '=', username).where('peer', '=', peer).executeTakeFirst();
    },

    /** Stores `settings` as the whole of `username`'s settings for `peer` (none on: no row). */
    async put(username: string, settings: ConversationSettingsRow): Promise<void> {
      const { peer, ...values } = settings;
      if (hasNoSettings(values)) {
        await db.deleteFrom('conversation_settings').where('username', '=', username).where('peer', '=', peer).execute();
        return;
      }
      await db
        .insertInto('conversation_settings')
        .values({ username, peer, ...values })
        .onConflict((oc) => oc.columns(['username', 'peer']).doUpdateSet(values))
        .execute();
    },

    /** Rows of `username`: every conversation with any setting on. */
    count: (username: string) => countWhere(username),
    countPinned: (username: string) => countWhere(username, 'pinned_at'),

    /** Every conversation `username` has a setting on, oldest peer name first; at most `limit`. */
    async listFor(username: string, limit: number): Promise<ConversationSettingsRow[]> {
      return db.selectFrom('conversation_settings').select(COLUMNS).where('username', '=', username).orderBy('peer').limit(limit).execute();
    },
  };
}

export type ConversationSettingsRepository = ReturnType<typeof createConversationSettingsRepository>;
