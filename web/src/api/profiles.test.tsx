import type { Profile } from '@messenger/protocol';
import { QueryClientProvider } from '@tanstack/react-query';
import { act, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PersonAvatar, PersonName } from '../features/profile/Person';
import { testQueryClient } from '../test/fixtures';
import { queryKeys } from './keys';
import { createProfileBatcher, seedProfiles, setProfile, useDisplayNames } from './profiles';

afterEach(() => vi.unstubAllGlobals());

const profile = (username: string, displayName: string | null = null, avatarUrl: string | null = null): Profile => ({ username, displayName, avatarUrl });

describe('createProfileBatcher', () => {
  it('asks once for the names asked for in one tick, each name once, and answers each caller', async () => {
    const asked: string[][] = [];
    const load = createProfileBatcher(async (names) => {
      asked.push(names);
      return names.filter((n) => n !== 'nobody').map((n) => profile(n, n.toUpperCase()));
    });
    const answers = await Promise.all([load('alice'), load('bob'), load('alice'), load('nobody')]);
    expect(asked).toEqual([['alice', 'bob', 'nobody']]);
    expect(answers.map((a) => a?.displayName ?? null)).toEqual(['ALICE', 'BOB', 'ALICE', null]);
  });

  it('splits more names than one request may carry into requests of 100', async () => {
    const asked: number[] = [];
    const load = createProfileBatcher(async (names) => {
      asked.push(names.length);
      return names.map((n) => profile(n));
    });
    const names = Array.from({ length: 150 }, (_, i) => `user${String(i).padStart(3, '0')}`);
    const answers = await Promise.all(names.map(load));
    expect(asked).toEqual([100, 50]);
    expect(answers.every((a, i) => a?.username === names[i])).toBe(true);
  });

  it('never asks for a name no account can have (it would fail the whole batch)', async () => {
    const fetchMany = vi.fn(async (names: string[]) => names.map((n) => profile(n)));
    const load = createProfileBatcher(fetchMany);
    await expect(load('No Such User')).resolves.toBeNull();
    await expect(load('carol')).resolves.toEqual(profile('carol'));
    expect(fetchMany).toHaveBeenCalledWith(['carol']);
    expect(fetchMany).toHaveBeenCalledTimes(1);
  });

  it('fails every caller of a failed batch, and asks again for the next tick', async () => {
    let fail = true;
    const load = createProfileBatcher(async (names) => {
      if (fail) throw new Error('down');
      return names.map((n) => profile(n));
    });
    const first = Promise.allSettled([load('alice'), load('bob')]);
    expect((await first).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(load('alice')).resolves.toEqual(profile('alice'));
  });
});

function stubProfiles(known: Profile[]) {
  const urls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      urls.push(url);
      const asked = new URL(url, 'http://x').searchParams.get('usernames')?.split(',') ?? [];
      const profiles = known.filter((p) => asked.includes(p.username));
      return new Response(JSON.stringify({ profiles }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return urls;
}

function Names({ of }: { of: string[] }) {
  return <p data-testid="names">{useDisplayNames(of).join(', ')}</p>;
}

describe('the display-name hooks', () => {
  it('a screen full of people costs one request, and shows display names or usernames', async () => {
    const urls = stubProfiles([profile('alice', 'Alice Liddell', '/api/users/alice/avatar?v=0123456789abcdef'), profile('bob')]);
    const client = testQueryClient();
    render(
      <QueryClientProvider client={client}>
        <PersonName username="alice" />
        <PersonName username="bob" />
        <PersonAvatar username="alice" />
        <Names of={['alice', 'bob', 'zed']} />
      </QueryClientProvider>,
    );
    await waitFor(() => expect(screen.getByTestId('names')).toHaveTextContent('Alice Liddell, bob, zed'));
    expect(urls).toEqual(['/api/profiles?usernames=alice%2Cbob%2Czed']);
    expect(screen.getAllByText('Alice Liddell')[0]?.tagName).toBe('BDI');
    const picture = screen.getByAltText('Alice Liddell');
    expect(picture).toHaveAttribute('src', '/api/users/alice/avatar?v=0123456789abcdef');
    expect(picture).toHaveAttribute('loading', 'lazy');
  });

  it('follows a change (profile:update) without asking again', async () => {
    const urls = stubProfiles([profile('alice')]);
    const client = testQueryClient();
    render(
      <QueryClientProvider client={client}>
        <PersonName username="alice" />
        <PersonAvatar username="alice" />
      </QueryClientProvider>,
    );
    await waitFor(() => expect(urls).toHaveLength(1));
    expect(screen.getByText('alice')).toBeInTheDocument();
    act(() => setProfile(client, profile('alice', 'Queen of Hearts', '/api/users/alice/avatar?v=fedcba9876543210')));
    expect(await screen.findByText('Queen of Hearts')).toBeInTheDocument();
    expect(screen.getByAltText('Queen of Hearts')).toHaveAttribute('src', '/api/users/alice/avatar?v=fedcba9876543210');
    expect(urls).toHaveLength(1);
  });

  it('shows initials when the picture does not load', async () => {
    stubProfiles([profile('alice', 'Alice Liddell', '/api/users/alice/avatar?v=0123456789abcdef')]);
    render(
      <QueryClientProvider client={testQueryClient()}>
        <PersonAvatar username="alice" />
      </QueryClientProvider>,
    );
    const picture = await screen.findByAltText('Alice Liddell');
    act(() => picture.dispatchEvent(new Event('error')));
    expect(screen.queryByAltText('Alice Liddell')).toBeNull();
    expect(screen.getByText('AL')).toBeInTheDocument();
  });
});

describe('seedProfiles', () => {
  it('takes the names a list carried, skips an older server’s rows, and never overwrites what is known', () => {
    const client = testQueryClient();
    setProfile(client, profile('bob', 'Bob (live)'));
    seedProfiles(client, [
      { username: 'alice', displayName: 'Alice', avatarUrl: null },
      { username: 'bob', displayName: 'Bob (stale list)', avatarUrl: null },
      { username: 'carol' },
    ]);
    expect(client.getQueryData(queryKeys.profile('alice'))).toEqual(profile('alice', 'Alice'));
    expect(client.getQueryData(queryKeys.profile('bob'))).toEqual(profile('bob', 'Bob (live)'));
    expect(client.getQueryData(queryKeys.profile('carol'))).toBeUndefined();
  });
});
