// GET /api/me: who the session cookie belongs to; null when signed out.
import { ApiPaths, MeResponse } from '@messenger/protocol';
import { useQuery, type QueryClient } from '@tanstack/react-query';
import { navigate } from '../lib/router';
import { clearSessionStores } from '../lib/session-stores';
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

/** Forget everything of the session here (after logout, revocation or a 401): back to sign-in. */
export function endSessionLocally(client: QueryClient) {
  clearSessionStores();
  // To sign-in first, so the page that was open is not remembered as where the next person to
  // sign in on this tab should land (it names whom this user was talking to).
  navigate('/signin', { replace: true });
  client.removeQueries({ predicate: (q) => q.queryKey[0] !== queryKeys.me[0] });
  client.setQueryData(queryKeys.me, null);
}
