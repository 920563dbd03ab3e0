// Full-text search over the history store with the store's own index (migration 0010): SQLite
// FTS5, Postgres tsvector + GIN. The asker's text becomes a query of quoted words built here, so
// nothing they type is query syntax, and a query never fails on what was typed.
import { searchWords, type ChatMessage, type SearchMatch } from '@messenger/protocol';
import { sql, type RawBuilder } from 'kysely';
import type { Db } from './database.js';
import { MESSAGE_COLUMNS, notHiddenBy, withReactions } from './message-views.repository.js';
import { conversationKey, groupConversation, type MessagesTable } from './schema.js';

/** Where to look: everything the asker may read, or one conversation of theirs. */
export type SearchScope = { kind: 'all' } | { kind: 'direct'; peer: string } | { kind: 'group'; groupId: string };

export interface SearchTerms {
  words: string[];
  /** The last word also matches as a prefix. */
  prefix: boolean;
}

/** A prefix of one letter matches most of the vocabulary: it finds nothing useful and costs most. */
const MIN_PREFIX_LENGTH = 2;

/**
 * The words to find; the last one is a prefix unless the text ends with a space (typing is
 * done). A last word of one letter still being typed is left out ("hello w" finds "hello
 * world"), unless it is the only word.
 */
export function searchTerms(q: string): SearchTerms {
  const words = searchWords(q);
  const typing = !/\s$/u.test(q);
  const last = words.at(-1);
  if (last === undefined || !typing) return { words, prefix: false };
  if ([...last].length >= MIN_PREFIX_LENGTH) return { words, prefix: true };
  return words.length > 1 ? { words: words.slice(0, -1), prefix: false } : { words, prefix: false };
}

// Words are letters and digits only (searchWords), so neither quoting below can be escaped.
function fts5Query({ words, prefix }: SearchTerms): string {
  return words.map((w, i) => (prefix && i === words.length - 1 ? `"${w}"*` : `"${w}"`)).join(' ');
}

/** How migration 0010 names a user or conversation in the index: one token whatever its characters. */
const token = (prefix: 'u' | 'c', name: string) => `"${prefix}${Buffer.from(name, 'utf8').toString('hex')}"`;

/**
 * The words in the text column, and the scope as index tokens (`who`, `conv`), so that FTS5
 * intersects the posting lists: a common word costs what the asker's own matches cost. The SQL
 * around it still decides what is readable (group membership now); the tokens only narrow.
 */
function fts5Match(terms: SearchTerms, me: string, scope: SearchScope): string {
  const words = `text : (${fts5Query(terms)})`;
  if (scope.kind === 'direct') return `${words} AND conv : ${token('c', conversationKey(me, scope.peer))}`;
  if (scope.kind === 'group') return `${words} AND conv : ${token('c', groupConversation(scope.groupId))} AND who : ${token('u', me)}`;
  return `${words} AND who : ${token('u', me)}`;
}

/** migration 0010's escape of a name into one lexeme for Postgres. */
const lexeme = (prefix: 'u' | 'c', name: string) =>
  `'${prefix}${name.replaceAll('x', 'x0').replaceAll('.', 'x1').replaceAll('-', 'x2').replaceAll('_', 'x3').replaceAll('|', 'x4').replaceAll('#', 'x5')}'`;

/** The words (weight D: the text) and the scope (A: who may read, B: the conversation), as fts5Match. */
function tsQuery(terms: SearchTerms, me: string, scope: SearchScope): string {
  const words = terms.words.map((w, i) => (terms.prefix && i === terms.words.length - 1 ? `'${w}':*D` : `'${w}':D`)).join(' & ');
  if (scope.kind === 'direct') return `${words} & ${lexeme('c', conversationKey(me, scope.peer))}:B`;
  if (scope.kind === 'group') return `${words} & ${lexeme('c', groupConversation(scope.groupId))}:B & ${lexeme('u', me)}:A`;
  return `${words} & ${lexeme('u', me)}:A`;
}

/** Case and diacritics folded, as the SQLite index folds them (Postgres folds case only). */
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/**
 * Where the query's words are in `text`: every word of the text equal to a query word (or
 * starting with the prefix), folded as the index folds. Computed here rather than by the store
 * (FTS5's highlight(), ts_headline) so that both stores answer alike and no markup is produced.
 */
export function matchRanges(text: string, terms: SearchTerms): SearchMatch[] {
  const wanted = terms.words.map(fold);
  const prefix = terms.prefix ? wanted.pop() : undefined;
  const exact = new Set(wanted);
  const ranges: SearchMatch[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}\p{Co}\p{M}]+/gu)) {
    const word = fold(m[0]);
    if (exact.has(word) || (prefix !== undefined && word.startsWith(prefix))) ranges.push({ start: m.index, end: m.index + m[0].length });
  }
  return ranges;
}

type Row = Pick<MessagesTable, (typeof MESSAGE_COLUMNS)[number]>;

export interface SearchFound {
  message: ChatMessage;
  matches: SearchMatch[];
}

export function createSearchRepository(db: Db, options: { dialect: 'sqlite' | 'postgres' }) {
  const columns = sql.join(MESSAGE_COLUMNS.map((c) => sql.ref(`m.${c}`)));

  // What `me` may read, as the history routes allow it: a 1:1 message they sent or got, and
  // their own copies in the groups they are a member of now (a group copy exists only for
  // those who were members when it was sent; leaving a group closes its history, and so its
  // results). Their messages' copies to other members are never theirs to read.
  function readable(me: string, scope: SearchScope): RawBuilder<unknown> {
    if (scope.kind === 'direct') return sql`m.conversation = ${conversationKey(me, scope.peer)}`;
    if (scope.kind === 'group') return sql`m.conversation = ${groupConversation(scope.groupId)} AND m.recipient = ${me}`;
    return sql`((m.conversation NOT LIKE '#%' AND (m.sender = ${me} OR m.recipient = ${me}))
      OR (m.recipient = ${me} AND m.conversation IN (SELECT '#' || g.group_id FROM group_members g WHERE g.username = ${me})))`;
  }

  // What is found: never a message deleted for everyone (its text is '' and out of the index
  // already, migration 0010; the check keeps it so whatever the index holds), nor one `me` hid.
  const findable = (me: string, scope: SearchScope) => sql`${readable(me, scope)} AND m.deleted_at IS NULL AND ${notHiddenBy(me, 'm')}`;

  return {
    /**
     * Matches newest first, in the order the store received them (seq: send order to within the
     * milliseconds between partitions), so that the index walks backwards and stops at `limit`.
     * `before` is the id of a message of the previous page; undefined when it is not one `me`
     * may read.
     */
    async search(me: string, q: string, scope: SearchScope, before: string | undefined, limit: number): Promise<{ found: SearchFound[]; nextBefore: string | null } | undefined> {
      let cursor: number | string | undefined;
      if (before !== undefined) {
        const row = await sql<{ seq: number | string }>`SELECT m.seq FROM messages m WHERE m.id = ${before} AND ${readable(me, scope)} LIMIT 1`.execute(db);
        cursor = row.rows[0]?.seq;
        if (cursor === undefined) return undefined;
      }
      const terms = searchTerms(q);
      if (terms.words.length === 0) return { found: [], nextBefore: null };
      const { rows } =
        options.dialect === 'sqlite'
          ? // CROSS JOIN keeps the index first: SQLite would otherwise walk the conversation's
            // rows and ask FTS5 about each one, which costs far more than reading the postings.
            await sql<Row>`SELECT ${columns} FROM messages_fts CROSS JOIN messages m ON m.seq = messages_fts.rowid
              WHERE messages_fts MATCH ${fts5Match(terms, me, scope)} AND ${findable(me, scope)}
              ${cursor === undefined ? sql`` : sql`AND messages_fts.rowid < ${cursor}`}
              ORDER BY messages_fts.rowid DESC LIMIT ${limit + 1}`.execute(db)
          : await sql<Row>`SELECT ${columns} FROM messages m
              WHERE m.text_search @@ to_tsquery('simple', ${tsQuery(terms, me, scope)}) AND ${findable(me, scope)}
              ${cursor === undefined ? sql`` : sql`AND m.seq < ${cursor}`}
              ORDER BY m.seq DESC LIMIT ${limit + 1}`.execute(db);
      const page = rows.slice(0, limit);
      const messages = await withReactions(db, page);
      const found = page.map((row, i) => ({ message: messages[i]!, matches: matchRanges(row.text, terms) }));
      return { found, nextBefore: rows.length > limit ? (found.at(-1)?.message.id ?? null) : null };
    },
  };
}

export type SearchRepository = ReturnType<typeof createSearchRepository>;
