// GET /api/people?q=: people whose name starts with q (never yourself), by name.
import { ApiPaths, PeopleResponse, type PublicUser } from '@messenger/protocol';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { requestJson } from './http';
import { queryKeys } from './keys';

export function usePeople(q: string) {
  const query = q.trim().toLowerCase();
  return useQuery({
    queryKey: queryKeys.people(query),
    queryFn: ({ signal }) =>
      requestJson(`${ApiPaths.people}?${new URLSearchParams({ q: query, limit: '20' }).toString()}`, PeopleResponse, { signal }),
    enabled: query.length > 0,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
}

/** One account by its exact name, or null: the search is by prefix in name order, so it comes first. */
export async function fetchPerson(username: string): Promise<PublicUser | null> {
  const query = new URLSearchParams({ q: username, limit: '1' }).toString();
  const answer = await requestJson(`${ApiPaths.people}?${query}`, PeopleResponse);
  return answer.users.find((u) => u.username === username) ?? null;
}
