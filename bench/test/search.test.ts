// The search benchmark, tiny and bounded (3,000 messages, 10 requests per query), against a real
// Kafka and the real server on SQLite. Asserts what the report rests on: every query kind ran,
// found what the corpus holds, and never answered a message the searcher may not read. Never a speed.
import { existsSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { SERVER_ENTRY } from '../src/env.js';
import { searchBench } from '../src/search.js';

declare module 'vitest' {
  interface ProvidedContext {
    kafkaBrokers: string;
  }
}

describe('search bench', () => {
  it('fills a store, times every query kind over HTTP, and finds only readable messages', async () => {
    if (!existsSync(SERVER_ENTRY)) throw new Error('run npm run build first (the bench starts the compiled server)');
    const r = await searchBench({ messages: 3000, conversations: 40, users: 20, requests: 10, store: 'sqlite', fillSeconds: 120 }, inject('kafkaBrokers'), () => undefined);
    expect(r.rows.map((row) => row.name)).toEqual([
      'common word',
      'mid word',
      'rare word',
      'two words',
      'prefix',
      'in one conversation, common',
      'in one conversation, mid',
    ]);
    for (const row of r.rows) {
      expect(row.count, row.name).toBe(10);
      expect(row.foreign, row.name).toBe(0);
      expect(row.p50, row.name).toBeGreaterThan(0);
    }
    // The most frequent word is in most messages: every page is full.
    expect(r.rows[0]?.meanResults).toBe(20);
    expect(r.sqliteBytes).toBeGreaterThan(0);
    expect(r.markdown).toContain('3,000 messages on sqlite');
  });
});
