// Bots and API tokens (IntegrationPaths): list, create, delete. A signed-in session only; every
// answer is checked against the protocol's schemas, the created token's secret included.
import {
  ApiTokensResponse,
  Bot,
  BotsResponse,
  CreatedApiToken,
  IntegrationPaths,
  type ApiToken,
  type CreateApiTokenBody,
  type CreateBotBody,
} from '@messenger/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { requestEmpty, requestJson } from './http';
import { queryKeys } from './keys';

export async function fetchBots(signal?: AbortSignal): Promise<Bot[]> {
  return (await requestJson(IntegrationPaths.bots, BotsResponse, { signal })).bots;
}

export function useBots() {
  return useQuery({ queryKey: queryKeys.bots, queryFn: ({ signal }) => fetchBots(signal) });
}

export async function fetchTokens(signal?: AbortSignal): Promise<ApiToken[]> {
  return (await requestJson(IntegrationPaths.tokens, ApiTokensResponse, { signal })).tokens;
}

export function useTokens() {
  return useQuery({ queryKey: queryKeys.tokens, queryFn: ({ signal }) => fetchTokens(signal) });
}

export function useCreateBot() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateBotBody) => requestJson(IntegrationPaths.bots, Bot, { method: 'POST', body }),
    onSuccess: (bot) => client.setQueryData<Bot[]>(queryKeys.bots, (list) => (list ? [...list, bot] : list)),
  });
}

/** Deleting a bot revokes its tokens too, so both lists are refetched. */
export function useDeleteBot() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (username: string) => requestEmpty(IntegrationPaths.bot(username), { method: 'DELETE' }),
    onSuccess: (_, username) => {
      client.setQueryData<Bot[]>(queryKeys.bots, (list) => list?.filter((b) => b.username !== username));
      client.setQueryData<ApiToken[]>(queryKeys.tokens, (list) => list?.filter((t) => t.username !== username));
      void client.invalidateQueries({ queryKey: queryKeys.tokens });
    },
  });
}

/**
 * The answer is the only place the secret ever appears; the cached list keeps the token without
 * it, last, as the server lists them (oldest first).
 */
export function useCreateToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateApiTokenBody) => requestJson(IntegrationPaths.tokens, CreatedApiToken, { method: 'POST', body }),
    // No copy of the answer (the secret) lingers in the mutation cache once the form lets go of it.
    gcTime: 0,
    onSuccess: ({ secret: _secret, ...token }) =>
      client.setQueryData<ApiToken[]>(queryKeys.tokens, (list) => (list ? [...list, token] : list)),
  });
}

export function useRevokeToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => requestEmpty(IntegrationPaths.token(id), { method: 'DELETE' }),
    onSuccess: (_, id) => client.setQueryData<ApiToken[]>(queryKeys.tokens, (list) => list?.filter((t) => t.id !== id)),
  });
}
