// Schema migrations, applied in order at startup. Append only: never edit a shipped migration.
// One list for both stores. Where SQLite and Postgres need different DDL, TYPES says so, and the
// SQLite text of every shipped migration stays exactly what it was.
import { sql, type ColumnDataType, type Expression, type Kysely, type Migration, type MigrationProvider } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

interface ColumnTypes {
  /**
   * Text compared byte by byte, as SQLite's BINARY collation does: ISO timestamps, ids and
   * usernames sort and compare alike on both stores, whatever locale the Postgres was made with.
   */
  text: ColumnDataType | Expression<unknown>;
  /** Kafka offsets are 64-bit: SQLite's INTEGER already is, Postgres's is 32-bit. */
  offset: ColumnDataType;
}

const TYPES: Record<Dialect, ColumnTypes> = {
  sqlite: { text: 'text', offset: 'integer' },
  postgres: { text: sql`text collate "C"`, offset: 'bigint' },
};

const migrations = (dialect: Dialect): Record<string, Migration> => {
  const { text, offset } = TYPES[dialect];
  return {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('users')
          .addColumn('username', text, (c) => c.primaryKey())
          .addColumn('password_hash', text, (c) => c.notNull())
          .addColumn('created_at', text, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('sessions')
          .addColumn('token_hash', text, (c) => c.primaryKey())
          .addColumn('username', text, (c) => c.notNull().references('users.username'))
          .addColumn('created_at', text, (c) => c.notNull())
          .addColumn('expires_at', text, (c) => c.notNull())
          .addColumn('revoked_at', text)
          .execute();
        await db.schema.createIndex('sessions_by_user').on('sessions').column('username').execute();
        await db.schema
          .createTable('messages')
          // seq orders messages in the order this store materialized them; ids break ties.
          .addColumn('seq', dialect === 'sqlite' ? 'integer' : 'bigint', (c) =>
            // SQLite: INTEGER PRIMARY KEY is the rowid. Postgres has no AUTOINCREMENT: an identity.
            dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity(),
          )
          .addColumn('id', text, (c) => c.notNull().unique())
          .addColumn('sender', text, (c) => c.notNull())
          .addColumn('recipient', text, (c) => c.notNull())
          .addColumn('conversation', text, (c) => c.notNull())
          .addColumn('text', text, (c) => c.notNull())
          .addColumn('sent_at', text, (c) => c.notNull())
          .addColumn('kafka_partition', 'integer', (c) => c.notNull())
          .addColumn('kafka_offset', offset, (c) => c.notNull())
          .addColumn('delivered_at', text)
          .addColumn('read_at', text)
          .execute();
        await db.schema.createIndex('messages_by_conversation').on('messages').columns(['conversation', 'sent_at', 'id']).execute();
        // Partial index: catch-up asks for one recipient's undelivered messages, which are few.
        await sql`CREATE INDEX messages_undelivered ON messages (recipient, kafka_partition, kafka_offset) WHERE delivered_at IS NULL`.execute(db);
        await sql`CREATE INDEX messages_unread ON messages (recipient, sender) WHERE read_at IS NULL`.execute(db);
        await db.schema
          .createTable('conversations')
          .addColumn('owner', text, (c) => c.notNull())
          .addColumn('peer', text, (c) => c.notNull())
          .addColumn('last_message_id', text, (c) => c.notNull())
          .addColumn('last_sent_at', text, (c) => c.notNull())
          .addColumn('unread', 'integer', (c) => c.notNull().defaultTo(0))
          .addPrimaryKeyConstraint('conversations_pk', ['owner', 'peer'])
          .execute();
        await db.schema.createIndex('conversations_by_recency').on('conversations').columns(['owner', 'last_sent_at']).execute();
        await db.schema
          .createTable('idempotency_keys')
          .addColumn('sender', text, (c) => c.notNull())
          .addColumn('idem_key', text, (c) => c.notNull())
          .addColumn('request_hash', text, (c) => c.notNull())
          .addColumn('message_id', text, (c) => c.notNull())
          .addColumn('kafka_partition', 'integer')
          .addColumn('kafka_offset', offset)
          .addColumn('sent_at', text, (c) => c.notNull())
          .addColumn('created_at', text, (c) => c.notNull())
          .addPrimaryKeyConstraint('idempotency_pk', ['sender', 'idem_key'])
          .execute();
      },
    },
    '0002_kafka_group_members': {
      async up(db: Kysely<unknown>) {
        // The member id each server process (INSTANCE_ID; '' when unset) last held in each Kafka
        // group, so that a restarted process can evict its dead predecessor instead of waiting for
        // its session to expire. Keyed by instance too: processes may share this store and a group.
        await db.schema
          .createTable('kafka_group_members')
          .addColumn('group_id', text, (c) => c.notNull())
          .addColumn('instance_id', text, (c) => c.notNull())
          .addColumn('member_id', text, (c) => c.notNull())
          .addColumn('joined_at', text, (c) => c.notNull())
          .addPrimaryKeyConstraint('kafka_group_members_pk', ['group_id', 'instance_id'])
          .execute();
      },
    },
    '0003_cluster_presence': {
      async up(db: Kysely<unknown>) {
        // Who is online across server processes sharing a Postgres store (realtime/
        // presence-directory.ts). One row per live process, renewed while it runs: a process that
        // dies without a goodbye stops renewing, and the survivors reap its rows. One row per
        // (process, user) with a socket there, written only when the process's first socket of
        // that user opens or its last one closes. SQLite runs one process and keeps presence in
        // memory, so there the tables stay empty.
        await db.schema
          .createTable('server_instances')
          .addColumn('instance_id', text, (c) => c.primaryKey())
          .addColumn('lease_until', text, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('presence')
          .addColumn('instance_id', text, (c) => c.notNull())
          .addColumn('username', text, (c) => c.notNull())
          .addPrimaryKeyConstraint('presence_pk', ['instance_id', 'username'])
          .execute();
        await db.schema.createIndex('presence_by_user').on('presence').column('username').execute();
        if (dialect === 'postgres') {
          // @socket.io/postgres-adapter sends packets over NOTIFY's 8000-byte limit through this
          // table (its documented schema); it deletes rows older than its cleanup interval.
          await sql`CREATE TABLE socket_io_attachments (id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)`.execute(db);
        }
      },
    },
    '0004_stored_positions': {
      async up(db: Kysely<unknown>) {
        // How far the history store is filled, per partition of the messages topic: everything
        // below next_offset is stored (or was poison). Written in the transaction that stores a
        // batch, so it never runs ahead of the rows. Every instance's live consumer pushes a
        // record only once it is below this mark, whichever instance stored it.
        await db.schema
          .createTable('stored_positions')
          .addColumn('topic', text, (c) => c.notNull())
          .addColumn('kafka_partition', 'integer', (c) => c.notNull())
          .addColumn('next_offset', offset, (c) => c.notNull())
          .addPrimaryKeyConstraint('stored_positions_pk', ['topic', 'kafka_partition'])
          .execute();
      },
    },
    '0005_groups': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('groups')
          .addColumn('id', text, (c) => c.primaryKey())
          .addColumn('name', text, (c) => c.notNull())
          .addColumn('created_by', text, (c) => c.notNull())
          .addColumn('created_at', text, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('group_members')
          .addColumn('group_id', text, (c) => c.notNull().references('groups.id'))
          .addColumn('username', text, (c) => c.notNull().references('users.username'))
          .addColumn('role', text, (c) => c.notNull())
          .addColumn('joined_at', text, (c) => c.notNull())
          .addColumn('muted', 'integer', (c) => c.notNull().defaultTo(0))
          .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'username'])
          .execute();
        await db.schema.createIndex('group_members_by_user').on('group_members').column('username').execute();
        // A group message is stored as one row per member (each member's copy, with its own
        // Kafka position and delivery and read marks), so a message id is unique per recipient,
        // no longer on its own. SQLite cannot drop a column's UNIQUE: the table is rebuilt.
        if (dialect === 'sqlite') {
          await sql`CREATE TABLE messages_v5 (
            seq integer PRIMARY KEY AUTOINCREMENT,
            id text NOT NULL,
            sender text NOT NULL,
            recipient text NOT NULL,
            conversation text NOT NULL,
            text text NOT NULL,
            sent_at text NOT NULL,
            kafka_partition integer NOT NULL,
            kafka_offset integer NOT NULL,
            delivered_at text,
            read_at text,
            group_name text,
            UNIQUE (id, recipient)
          )`.execute(db);
          await sql`INSERT INTO messages_v5 (seq, id, sender, recipient, conversation, text, sent_at, kafka_partition, kafka_offset, delivered_at, read_at)
            SELECT seq, id, sender, recipient, conversation, text, sent_at, kafka_partition, kafka_offset, delivered_at, read_at FROM messages`.execute(db);
          await sql`DROP TABLE messages`.execute(db);
          await sql`ALTER TABLE messages_v5 RENAME TO messages`.execute(db);
          await db.schema.createIndex('messages_by_conversation').on('messages').columns(['conversation', 'sent_at', 'id']).execute();
          await sql`CREATE INDEX messages_undelivered ON messages (recipient, kafka_partition, kafka_offset) WHERE delivered_at IS NULL`.execute(db);
          await sql`CREATE INDEX messages_unread ON messages (recipient, sender) WHERE read_at IS NULL`.execute(db);
        } else {
          await sql`ALTER TABLE messages DROP CONSTRAINT messages_id_key`.execute(db);
          await sql`ALTER TABLE messages ADD CONSTRAINT messages_id_recipient_key UNIQUE (id, recipient)`.execute(db);
          await sql`ALTER TABLE messages ADD COLUMN group_name text collate "C"`.execute(db);
        }
        // A member's unread count in a group: their copies there not read yet.
        await sql`CREATE INDEX messages_unread_by_conversation ON messages (recipient, conversation) WHERE read_at IS NULL`.execute(db);
      },
    },
    '0006_unread_by_conversation_only': {
      async up(db) {
        // Reads of 1:1 conversations count by conversation too (messages_unread_by_conversation):
        // by sender they also took the peer's group messages. The (recipient, sender) index has
        // no query left, and was one more index write for every stored message.
        await sql`DROP INDEX IF EXISTS messages_unread`.execute(db);
      },
    },
    '0007_bots_and_api_tokens': {
      async up(db: Kysely<unknown>) {
        // Bots are accounts (rows of users) so that they send, receive, join groups and appear
        // in history exactly like people; `kind` keeps them from password sign-in and `owner`
        // says who manages them. A deleted bot keeps its row (deleted_at): its name must never
        // pass to a new account, which would inherit the bot's conversations.
        await db.schema.alterTable('users').addColumn('kind', text, (c) => c.notNull().defaultTo('person')).execute();
        await db.schema.alterTable('users').addColumn('owner', text).execute();
        await db.schema.alterTable('users').addColumn('display_name', text).execute();
        await db.schema.alterTable('users').addColumn('deleted_at', text).execute();
        await db.schema.createIndex('users_by_owner').on('users').column('owner').execute();
        // API tokens: only the SHA-256 of the secret is kept. `username` is who the token acts
        // as (its creator or one of the creator's bots); `created_by` is who may list and revoke it.
        await db.schema
          .createTable('api_tokens')
          .addColumn('id', text, (c) => c.primaryKey())
          .addColumn('token_hash', text, (c) => c.notNull().unique())
          .addColumn('username', text, (c) => c.notNull().references('users.username'))
          .addColumn('created_by', text, (c) => c.notNull().references('users.username'))
          .addColumn('name', text, (c) => c.notNull())
          // Space-separated, as OAuth writes scopes.
          .addColumn('scopes', text, (c) => c.notNull())
          .addColumn('created_at', text, (c) => c.notNull())
          .addColumn('expires_at', text)
          .addColumn('last_used_at', text)
          .addColumn('revoked_at', text)
          .execute();
        await db.schema.createIndex('api_tokens_by_creator').on('api_tokens').column('created_by').execute();
        await db.schema.createIndex('api_tokens_by_user').on('api_tokens').column('username').execute();
      },
    },
    '0008_incoming_webhooks': {
      async up(db: Kysely<unknown>) {
        // Only the SHA-256 of the secret is kept, compared in constant time after a lookup by id.
        // `bot` is who the messages come from; `created_by` (the bot's owner) lists, rotates and
        // revokes it. Exactly one target: a user or a group. A revoked webhook's row is deleted:
        // nothing about it is worth keeping, and a dead secret's hash is useless.
        await db.schema
          .createTable('webhooks')
          .addColumn('id', text, (c) => c.primaryKey())
          .addColumn('secret_hash', text, (c) => c.notNull())
          .addColumn('bot', text, (c) => c.notNull().references('users.username'))
          .addColumn('created_by', text, (c) => c.notNull().references('users.username'))
          .addColumn('name', text, (c) => c.notNull())
          .addColumn('target_user', text)
          .addColumn('target_group', text)
          .addColumn('created_at', text, (c) => c.notNull())
          .addColumn('last_used_at', text)
          .addCheckConstraint('webhooks_one_target', sql`(target_user IS NULL) <> (target_group IS NULL)`)
          .execute();
        await db.schema.createIndex('webhooks_by_creator').on('webhooks').column('created_by').execute();
      },
    },
    '0009_conversation_mutes': {
      async up(db: Kysely<unknown>) {
        // One row per (user, peer) the user muted; unmuting deletes it. A table of its own, not a
        // column of conversations: a person may mute a bot before its first message, and a
        // conversations row means history exists (presence and the list rely on that).
        await db.schema
          .createTable('conversation_mutes')
          .addColumn('username', text, (c) => c.notNull().references('users.username'))
          .addColumn('peer', text, (c) => c.notNull().references('users.username'))
          .addColumn('muted_at', text, (c) => c.notNull())
          .addPrimaryKeyConstraint('conversation_mutes_pk', ['username', 'peer'])
          .execute();
      },
    },
    '0010_message_search': {
      async up(db: Kysely<unknown>) {
        // Full-text search (search.repository.ts) with each store's own index. Both split text
        // into runs of letters and digits, so that one query means the same on either store.
        if (dialect === 'sqlite') {
          // Contentless: the index holds only postings (the text stays in messages alone), and
          // contentless_delete lets triggers remove a row's postings, so it follows every insert,
          // text update (edits) and delete, whoever writes. Besides the words, each row is
          // indexed under who may read it (`who`: both sides of a 1:1 message, the member of a
          // group copy) and its conversation (`conv`), hex-encoded so that a username is one
          // token: FTS5 then intersects "these words" with "mine" inside the index, instead of
          // reading every row anyone wrote with a common word. Diacritics fold ("cafe" finds
          // "café"); the 2- and 3-letter prefix indexes keep a short prefix ("he…") from merging
          // every term of the vocabulary.
          await sql`CREATE VIRTUAL TABLE messages_fts USING fts5(text, who, conv, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2', prefix='2 3')`.execute(db);
          const row = (m: string) =>
            sql.raw(`${m}.seq, ${m}.text,
              CASE WHEN substr(${m}.conversation, 1, 1) = '#' THEN 'u' || hex(${m}.recipient) ELSE 'u' || hex(${m}.sender) || ' u' || hex(${m}.recipient) END,
              'c' || hex(${m}.conversation)`);
          await sql`CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, text, who, conv) VALUES (${row('new')});
          END`.execute(db);
          await sql`CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            DELETE FROM messages_fts WHERE rowid = old.seq;
          END`.execute(db);
          await sql`CREATE TRIGGER messages_fts_update AFTER UPDATE OF text, sender, recipient, conversation ON messages BEGIN
            DELETE FROM messages_fts WHERE rowid = old.seq;
            INSERT INTO messages_fts (rowid, text, who, conv) VALUES (${row('new')});
          END`.execute(db);
          await sql`INSERT INTO messages_fts (rowid, text, who, conv) SELECT ${row('m')} FROM messages m`.execute(db);
        } else {
          // The 'simple' configuration lowercases and stems nothing: messages come in every
          // language, and an English stemmer would mangle the rest. ASCII punctuation becomes
          // a space first, because Postgres's parser keeps e-mail addresses, URLs, paths and
          // hyphenated words whole ("example" would not find "alice@example.com"); SQLite's
          // tokenizer splits them. The words have weight D; who may read the row (weight A) and
          // its conversation (weight B) are lexemes too, as on SQLite, so that GIN intersects
          // "these words" with "mine" (search.repository.ts). Names are escaped into one
          // punctuation-free lexeme each: x → x0, . → x1, - → x2, _ → x3, | → x4, # → x5.
          // A stored column: a search that reads many rows reads the vector instead of parsing
          // every text again. Adding it rewrites the table once.
          const lexeme = (prefix: string, column: string) =>
            `'${prefix}' || replace(replace(replace(replace(replace(replace(${column}, 'x', 'x0'), '.', 'x1'), '-', 'x2'), '_', 'x3'), '|', 'x4'), '#', 'x5')`;
          const who = `CASE WHEN left(conversation, 1) = '#' THEN ${lexeme('u', 'recipient')} ELSE ${lexeme('u', 'sender')} || ' ' || ${lexeme('u', 'recipient')} END`;
          await sql`ALTER TABLE messages ADD COLUMN text_search tsvector GENERATED ALWAYS AS (
              setweight(to_tsvector('simple'::regconfig, regexp_replace(text, '[[:punct:]]', ' ', 'g')), 'D')
              || setweight(to_tsvector('simple'::regconfig, ${sql.raw(who)}), 'A')
              || setweight(to_tsvector('simple'::regconfig, ${sql.raw(lexeme('c', 'conversation'))}), 'B')
            ) STORED`.execute(db);
          await sql`CREATE INDEX messages_text_search ON messages USING gin (text_search)`.execute(db);
        }
      },
    },
    '0011_conversation_settings': {
      async up(db: Kysely<unknown>) {
        // Mute grows into every setting a person keeps on their own 1:1 conversations: still one
        // row per (user, peer) with any setting on, deleted once none is. A new table rather than
        // an altered one: muted_at becomes nullable, which SQLite cannot ALTER. Each setting is
        // its time (null: off), so the list can tell a message newer than the archiving.
        await db.schema
          .createTable('conversation_settings')
          .addColumn('username', text, (c) => c.notNull().references('users.username'))
          .addColumn('peer', text, (c) => c.notNull().references('users.username'))
          .addColumn('muted_at', text)
          .addColumn('pinned_at', text)
          .addColumn('archived_at', text)
          .addColumn('marked_unread', 'integer', (c) => c.notNull().defaultTo(0))
          .addPrimaryKeyConstraint('conversation_settings_pk', ['username', 'peer'])
          .execute();
        await sql`INSERT INTO conversation_settings (username, peer, muted_at) SELECT username, peer, muted_at FROM conversation_mutes`.execute(db);
        await db.schema.dropTable('conversation_mutes').execute();
        // A group's settings stay on the membership row, beside its mute: they end with it.
        for (const column of ['pinned_at', 'archived_at'] as const) {
          await db.schema.alterTable('group_members').addColumn(column, text).execute();
        }
        await db.schema.alterTable('group_members').addColumn('marked_unread', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      },
    },
    '0012_message_actions': {
      async up(db: Kysely<unknown>) {
        // Message actions (protocol/src/actions.ts). A message row keeps its current state: the
        // edited text, or '' once deleted for everyone (deleted_at set), and the quote of the
        // message it replies to, a snapshot taken at send time and emptied when that one is
        // deleted. Search indexes follow text updates (0010's trigger; Postgres's generated column).
        for (const column of ['edited_at', 'deleted_at', 'reply_to_id', 'reply_to_sender', 'reply_to_text'] as const) {
          await db.schema.alterTable('messages').addColumn(column, text).execute();
        }
        // Replies name their original by id; deleting it empties their quotes.
        await sql`CREATE INDEX messages_reply_to ON messages (reply_to_id) WHERE reply_to_id IS NOT NULL`.execute(db);
        // One row per (message, person, emoji). A group message's copies share its id, so a
        // reaction is stored once for every member's copy.
        await db.schema
          .createTable('message_reactions')
          .addColumn('message_id', text, (c) => c.notNull())
          .addColumn('username', text, (c) => c.notNull())
          .addColumn('emoji', text, (c) => c.notNull())
          .addColumn('reacted_at', text, (c) => c.notNull())
          .addPrimaryKeyConstraint('message_reactions_pk', ['message_id', 'username', 'emoji'])
          .execute();
        // Deleted for me: the row stays for the other side; my history, lists and search skip it.
        await db.schema
          .createTable('hidden_messages')
          .addColumn('username', text, (c) => c.notNull())
          .addColumn('message_id', text, (c) => c.notNull())
          .addColumn('hidden_at', text, (c) => c.notNull())
          .addPrimaryKeyConstraint('hidden_messages_pk', ['username', 'message_id'])
          .execute();
        // Each change record as stored for the person it is keyed by, with its Kafka position and
        // whether one of their clients has acknowledged it: catch-up sends the undelivered ones,
        // and the inbox commit (delivery/inbox.ts) counts them like messages.
        await db.schema
          .createTable('message_changes')
          .addColumn('id', text, (c) => c.notNull())
          .addColumn('recipient', text, (c) => c.notNull())
          .addColumn('message_id', text, (c) => c.notNull())
          .addColumn('kind', text, (c) => c.notNull())
          .addColumn('actor', text, (c) => c.notNull())
          .addColumn('changed_at', text, (c) => c.notNull())
          .addColumn('kafka_partition', 'integer', (c) => c.notNull())
          .addColumn('kafka_offset', offset, (c) => c.notNull())
          .addColumn('delivered_at', text)
          .addPrimaryKeyConstraint('message_changes_pk', ['id', 'recipient'])
          .execute();
        await sql`CREATE INDEX message_changes_undelivered ON message_changes (recipient, kafka_partition, kafka_offset) WHERE delivered_at IS NULL`.execute(db);
      },
    },
    '0013_user_profiles': {
      async up(db: Kysely<unknown>) {
        // The display name lives in users.display_name (0007 added it for bots; people now set
        // it too). The picture gets a table of its own, so that reading accounts (sessions, the
        // people search, `selectAll` on users) never drags image bytes along. In the database,
        // not in files beside it: several stateless instances share one Postgres, and a backup of
        // the database is then a backup of everything. At most one row per user, about 10–30 KB
        // (256×256 WebP re-encoded by services/avatar-image.ts). `hash` is the version clients
        // see in the avatar's URL and its ETag; no row: no picture.
        await db.schema
          .createTable('user_avatars')
          .addColumn('username', text, (c) => c.primaryKey().references('users.username'))
          .addColumn('image', dialect === 'sqlite' ? 'blob' : 'bytea', (c) => c.notNull())
          .addColumn('hash', text, (c) => c.notNull())
          .addColumn('updated_at', text, (c) => c.notNull())
          .execute();
      },
    },
  };
};

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
