// Search latency on a large history (issue 18): a store filled directly with --messages messages
// (default 1,000,000) over --conversations conversations, then GET /api/search timed over HTTP on
// loopback through @messenger/client, one request at a time, for typical queries.
//   npm run search -w bench -- [--messages 1000000] [--store sqlite|postgres] [--requests 200]
// The fill goes through the server's own store code (server/dist, so build first) in batched
// transactions, not through Kafka: this measures search, not ingest. Bounded: at most 5,000,000
// messages, --requests ≤ 2,000 per query, the fill stops at --fill-seconds.
import { createClient } from '@messenger/client';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureDatabase, startPostgres, type LocalPostgres } from '../../scripts/lib/postgres-local.mjs';
import { freePort, startServerProcess, tempDataDir, testServerEnv } from '../../scripts/lib/server-process.mjs';
import { REPO_ROOT, assertLoopback } from './env.js';
import { conversations, messageText, seeded, vocabulary, zipf, type Conversation } from './search-corpus.js';
import { percentile, round, summarize, type LatencySummary } from './stats.js';

const VOCABULARY = 30_000;
const ZIPF_S = 1.05;
const ROWS_PER_STATEMENT = 500;
const ROWS_PER_TRANSACTION = 20_000;
const PASSWORD = 'correct horse battery staple';

interface Store {
  db: {
    insertInto(table: 'messages'): { values(rows: object[]): { execute(): Promise<unknown> } };
    transaction(): { execute<T>(fn: (trx: Store['db']) => Promise<T>): Promise<T> };
  };
  close(): Promise<void>;
}

interface QueryKind {
  name: string;
  /** What the query is, for the report. */
  what: string;
  params: (user: string) => { q: string; peer?: string };
}

export interface SearchBenchSettings {
  messages: number;
  conversations: number;
  users: number;
  /** Measured requests per query kind. */
  requests: number;
  store: 'sqlite' | 'postgres';
  /** The fill gives up past this. */
  fillSeconds: number;
}

export function checkSearchSettings(s: SearchBenchSettings): string[] {
  const problems: string[] = [];
  if (!(Number.isInteger(s.messages) && s.messages >= 1000 && s.messages <= 5_000_000)) problems.push('--messages must be 1000..5000000');
  if (!(Number.isInteger(s.users) && s.users >= 10 && s.users <= 100_000)) problems.push('--users must be 10..100000');
  if (!(Number.isInteger(s.conversations) && s.conversations >= s.users / 2 && s.conversations <= (s.users * (s.users - 1)) / 2)) problems.push('--conversations must let every user have one, and fit the pairs of users');
  if (!(Number.isInteger(s.requests) && s.requests >= 10 && s.requests <= 2000)) problems.push('--requests must be 10..2000');
  if (s.store !== 'sqlite' && s.store !== 'postgres') problems.push('--store must be sqlite or postgres');
  if (!(s.fillSeconds > 0 && s.fillSeconds <= 3600)) problems.push('--fill-seconds must be 1..3600');
  return problems;
}

function args(): SearchBenchSettings {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '1000000' },
      conversations: { type: 'string', default: '1000' },
      users: { type: 'string', default: '500' },
      requests: { type: 'string', default: '200' },
      store: { type: 'string', default: 'sqlite' },
      'fill-seconds': { type: 'string', default: '900' },
    },
  });
  const s = {
    messages: Number(values.messages),
    conversations: Number(values.conversations),
    users: Number(values.users),
    requests: Number(values.requests),
    store: values.store as 'sqlite' | 'postgres',
    fillSeconds: Number(values['fill-seconds']),
  };
  const problems = checkSearchSettings(s);
  if (problems.length) {
    console.error(`search bench: ${problems.join('; ')}`);
    process.exit(2);
  }
  return s;
}

async function openStore(database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string }): Promise<Store> {
  const dist = (file: string) => pathToFileURL(path.join(REPO_ROOT, 'server/dist', file)).href;
  const { openDatabase } = (await import(dist('db/database.js'))) as { openDatabase(config: unknown): Promise<Store> };
  if (database.kind === 'sqlite') return openDatabase(database);
  const { Secret } = (await import(dist('secret.js'))) as { Secret: new (value: string) => unknown };
  return openDatabase({ kind: 'postgres', url: new Secret(database.url), display: 'bench', poolMax: 4 });
}

/** Fills the store: messages in send order, each in a random conversation from a random side. */
async function fill(store: Store, s: SearchBenchSettings, pairs: Conversation[], words: string[], log: (l: string) => void) {
  const random = seeded(18);
  const rank = zipf(words.length, ZIPF_S, random);
  const start = Date.parse('2025-11-30T00:00:00Z');
  const deadline = Date.now() + s.fillSeconds * 1000;
  const t0 = performance.now();
  let i = 0;
  while (i < s.messages) {
    if (Date.now() > deadline) throw new Error(`the fill passed --fill-seconds (${s.fillSeconds}) at ${i} messages`);
    const end = Math.min(s.messages, i + ROWS_PER_TRANSACTION);
    await store.db.transaction().execute(async (trx) => {
      for (let j = i; j < end; j += ROWS_PER_STATEMENT) {
        const rows = [];
        for (let k = j; k < Math.min(end, j + ROWS_PER_STATEMENT); k++) {
          const c = pairs[Math.floor(random() * pairs.length)] ?? { a: '', b: '' };
          const [sender, recipient] = random() < 0.5 ? [c.a, c.b] : [c.b, c.a];
          // Thirty seconds apart: a million messages span a year.
          const sentAt = new Date(start + k * 30_000).toISOString();
          rows.push({
            id: randomUUID(),
            sender,
            recipient,
            conversation: c.a < c.b ? `${c.a}|${c.b}` : `${c.b}|${c.a}`,
            text: messageText(words, rank, random),
            sent_at: sentAt,
            kafka_partition: k % 12,
            kafka_offset: Math.floor(k / 12),
            delivered_at: sentAt,
            read_at: sentAt,
            group_name: null,
          });
        }
        await trx.insertInto('messages').values(rows).execute();
      }
    });
    i = end;
    if (i % 200_000 === 0 || i === s.messages) log(`  ${i} messages stored (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  return (performance.now() - t0) / 1000;
}

export interface SearchBenchRow extends LatencySummary {
  name: string;
  what: string;
  p95: number;
  meanResults: number;
  /** Results the searcher may not read (not theirs, or outside the conversation asked): must be 0. */
  foreign: number;
}

export interface SearchBenchResult {
  rows: SearchBenchRow[];
  fillSeconds: number;
  sqliteBytes: number | undefined;
  markdown: string;
}

/** Fills a fresh store, starts the server on it, times every query kind; removes it all after. */
export async function searchBench(s: SearchBenchSettings, brokers: string, log: (line: string) => void): Promise<SearchBenchResult> {
  const problems = checkSearchSettings(s);
  if (problems.length) throw new Error(`search bench settings: ${problems.join('; ')}`);
  for (const b of brokers.split(',')) assertLoopback(`kafka://${b}`);
  const dataDir = tempDataDir('messenger-bench-search-');
  let pg: LocalPostgres | undefined;
  let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  try {
    const random = seeded(7);
    const words = vocabulary(VOCABULARY, random);
    const users = Array.from({ length: s.users }, (_, i) => `su${String(i).padStart(5, '0')}`);
    const pairs = conversations(users, s.conversations, random);
    let databaseUrl: string;
    if (s.store === 'sqlite') databaseUrl = `sqlite:${path.join(dataDir, 'messenger.sqlite')}`;
    else {
      log('starting a local Postgres (scripts/lib/postgres-local.mjs)…');
      pg = await startPostgres({ maxConnections: 40 });
      await ensureDatabase(pg.url('postgres'), 'bench_search');
      databaseUrl = pg.url('bench_search');
    }
    log(`filling ${s.store} with ${s.messages} messages in ${pairs.length} conversations of ${users.length} users…`);
    const store = await openStore(s.store === 'sqlite' ? { kind: 'sqlite', file: databaseUrl.slice('sqlite:'.length) } : { kind: 'postgres', url: databaseUrl });
    let fillSeconds: number;
    try {
      fillSeconds = await fill(store, s, pairs, words, log);
    } finally {
      await store.close();
    }
    const sqliteBytes = s.store === 'sqlite' ? statSync(databaseUrl.slice('sqlite:'.length)).size : undefined;

    const port = await freePort();
    server = await startServerProcess({ env: testServerEnv({ kafkaBrokers: brokers, dataDir, port, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' }), cwd: dataDir });
    // Users who already have conversations in the store, registered now so that they can sign in.
    const searchers = [...new Set(pairs.slice(0, 10).map((p) => p.a))];
    const clients = await Promise.all(
      searchers.map(async (name) => {
        const client = createClient({ baseUrl: server?.url ?? '' });
        await client.register(name, PASSWORD);
        return client;
      }),
    );
    const peerOf = new Map(searchers.map((u) => [u, pairs.find((p) => p.a === u)?.b ?? '']));
    // Their peers too: a search within a conversation names an existing account.
    for (const peer of new Set(peerOf.values())) {
      if (!searchers.includes(peer)) await createClient({ baseUrl: server.url }).register(peer, PASSWORD);
    }
    const kinds: QueryKind[] = [
      { name: 'common word', what: `"${words[0]}" (Zipf rank 1)`, params: () => ({ q: `${words[0]} ` }) },
      { name: 'mid word', what: `"${words[300]}" (rank 301)`, params: () => ({ q: `${words[300]} ` }) },
      { name: 'rare word', what: `"${words[20_000]}" (rank 20,001)`, params: () => ({ q: `${words[20_000]} ` }) },
      { name: 'two words', what: `"${words[5]} ${words[60]}"`, params: () => ({ q: `${words[5]} ${words[60]} ` }) },
      { name: 'prefix', what: `"${words[40]?.slice(0, 3)}" (3 letters, last word typed)`, params: () => ({ q: words[40]?.slice(0, 3) ?? '' }) },
      { name: 'in one conversation, common', what: `"${words[0]}" with peer=`, params: (u) => ({ q: `${words[0]} `, peer: peerOf.get(u) ?? '' }) },
      { name: 'in one conversation, mid', what: `"${words[300]}" with peer=`, params: (u) => ({ q: `${words[300]} `, peer: peerOf.get(u) ?? '' }) },
    ];
    /** `n` requests, one at a time, the searchers taking turns. */
    const measure = async (kind: QueryKind, n: number) => {
      const samples: number[] = [];
      let results = 0;
      let foreign = 0;
      for (let r = 0; r < n; r++) {
        const client = clients[r % clients.length];
        const user = searchers[r % clients.length] ?? '';
        if (!client) continue;
        const { q, peer } = kind.params(user);
        const t0 = performance.now();
        const answer = await client.search(q, { limit: 20, ...(peer ? { peer } : {}) });
        samples.push(performance.now() - t0);
        results += answer.results.length;
        for (const { message } of answer.results) {
          const mine = message.from === user || message.to === user;
          if (!mine || (peer !== undefined && message.from !== peer && message.to !== peer)) foreign++;
        }
      }
      return { samples, meanResults: results / n, foreign };
    };
    const rows: SearchBenchRow[] = [];
    for (const kind of kinds) {
      // Warm-up, unmeasured: the first requests prepare statements and fill caches.
      await measure(kind, clients.length * 2);
      const { samples, meanResults, foreign } = await measure(kind, s.requests);
      const p95 = round(percentile(Float64Array.from(samples).sort(), 0.95));
      rows.push({ name: kind.name, what: kind.what, ...summarize(samples), p95, meanResults, foreign });
    }
    const lines = [
      `## Search latency: ${s.messages.toLocaleString('en')} messages on ${s.store}`,
      '',
      `${pairs.length} conversations of ${users.length} users (about ${Math.round((2 * s.messages) / users.length).toLocaleString('en')} messages readable per user), ` +
        `${VOCABULARY.toLocaleString('en')} pseudo-words with Zipf s=${ZIPF_S}, 2–24 words per message. Fill: ${fillSeconds.toFixed(0)} s` +
        (sqliteBytes ? `, SQLite file ${(sqliteBytes / 1e6).toFixed(0)} MB` : '') +
        `. ${s.requests} requests per query, one at a time, limit=20, GET /api/search over loopback HTTP (client to answer), ${clients.length} searchers.`,
      '',
      '| query | what | results per page | p50 ms | p95 ms | p99 ms | max ms |',
      '|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.name} | ${r.what} | ${r.meanResults.toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} |`),
    ];
    return { rows, fillSeconds, sqliteBytes, markdown: `${lines.join('\n')}\n` };
  } finally {
    await server?.stop();
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const s = args();
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    console.error('search bench: set KAFKA_BROKERS to a loopback broker (the server needs one to start), e.g. KAFKA_BROKERS=127.0.0.1:9092');
    process.exit(2);
  }
  const result = await searchBench(s, brokers, (line) => console.log(line));
  console.log(`\n${result.markdown}`);
  const results = path.join(REPO_ROOT, 'bench/results');
  mkdirSync(results, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(path.join(results, `${stamp}-search-${s.store}.md`), result.markdown);
  writeFileSync(path.join(results, `${stamp}-search-${s.store}.json`), JSON.stringify({ settings: s, ...result }, null, 2));
}

// Run as a script (npm run search -w bench); imported by its test, it only exports.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
