// search() and the history windows against the real server: find a message, then open its
// conversation around it and page both ways, as a screen jumping to a search result does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type MessengerClient } from '../src/index.js';
import { randomName, signedUp, startServer, waitUntil, type TestServer } from './helpers.js';

let server: TestServer;
let alice: MessengerClient;
let bob: MessengerClient;

beforeAll(async () => {
  server = await startServer();
  [alice, bob] = await Promise.all([signedUp(server, 'al'), signedUp(server, 'bo')]);
});

afterAll(async () => {
  await server?.stop();
});

describe('search', () => {
  it('finds a message with its conversation and matches, and opens history around it', async () => {
    const word = randomName('lighthouse');
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await alice.send(bob.username!, i === 3 ? `Meet at the ${word} tonight` : `line ${i}`)).id);

    const found = await waitUntil('the message stored and indexed', async () => {
      const answer = await bob.search(word.slice(0, -3));
      return answer.results.length === 1 && answer;
    });
    const hit = found.results[0]!;
    expect(hit.message.id).toBe(ids[3]);
    expect(hit.conversation).toEqual({ peer: alice.username });
    expect(hit.matches.map((m) => hit.message.text.slice(m.start, m.end))).toEqual([word]);
    expect((await bob.search(word, { peer: alice.username! })).results).toHaveLength(1);
    expect((await bob.search(word, { peer: bob.username! })).results).toEqual([]);

    await waitUntil('all seven stored', async () => (await bob.history(alice.username!, { limit: 7 })).messages.length === 7);
    const around = await bob.history(alice.username!, { around: hit.message.id, limit: 3 });
    expect(around.messages.map((m) => m.id)).toEqual([ids[4], ids[3], ids[2]]);
    const newer = await bob.history(alice.username!, { after: around.nextAfter!, limit: 10 });
    expect(newer.messages.map((m) => m.id)).toEqual([ids[6], ids[5]]);
    expect(newer.nextAfter).toBeNull();
    const older = await bob.history(alice.username!, { before: around.nextBefore!, limit: 10 });
    expect(older.messages.map((m) => m.id)).toEqual([ids[1], ids[0]]);
  });

  it('pages results and reports refusals as ApiError with the contract code', async () => {
    const word = randomName('echo');
    for (let i = 0; i < 3; i++) await alice.send(bob.username!, `${word} ${i}`);
    await waitUntil('three indexed', async () => (await alice.search(word)).results.length === 3);
    const first = await alice.search(word, { limit: 2 });
    expect(first.results.map((r) => r.message.text)).toEqual([`${word} 2`, `${word} 1`]);
    const rest = await alice.search(word, { limit: 2, before: first.nextBefore! });
    expect(rest.results.map((r) => r.message.text)).toEqual([`${word} 0`]);
    expect(rest.nextBefore).toBeNull();

    const refused = await alice.search('x'.repeat(201)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ApiError);
    expect([(refused as ApiError).status, (refused as ApiError).code]).toEqual([400, 'validation_failed']);
    const notMine = await alice.search(word, { group: '00000000-0000-4000-8000-000000000000' }).catch((e: unknown) => e);
    expect((notMine as ApiError).code).toBe('group_not_found');
  });
});
