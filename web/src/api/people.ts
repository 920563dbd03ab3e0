// GET /api/people?q=: people whose name starts with q (never yourself).
import { ApiPaths, PeopleResponse } from '@messenger/protocol';
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
