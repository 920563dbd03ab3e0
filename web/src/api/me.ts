// GET /api/me: who the session cookie belongs to; null when signed out.
import { ApiPaths, MeResponse } from '@messenger/protocol';
import { useQuery } from '@tanstack/react-query';
import { ApiError, requestJson } from './http';
import { queryKeys } from './keys';

export async function fetchMe(): Promise<MeResponse | null> {
  try {
    return await requestJson(ApiPaths.me, MeResponse);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export function useMe() {
  return useQuery({ queryKey: queryKeys.me, queryFn: fetchMe, staleTime: Infinity, retry: 1 });
}
