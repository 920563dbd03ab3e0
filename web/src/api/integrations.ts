// Bots, API tokens and incoming webhooks: list, create, delete, through the shared client's typed operations (a
// signed-in session only; every answer checked against the protocol, the new token's secret too).
import type { ApiToken, Bot, CreateApiTokenBody, CreateBotBody, CreateWebhookBody, Webhook } from '@messenger/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { client as api } from './http';
import { queryKeys } from './keys';

export function useBots() {
  return useQuery({ queryKey: queryKeys.bots, queryFn: ({ signal }) => api.bots(signal) });
}

export function useTokens() {
  return useQuery({ queryKey: queryKeys.tokens, queryFn: ({ signal }) => api.tokens(signal) });
}

export function useCreateBot() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateBotBody) => api.createBot(body),
    onSuccess: (bot) => client.setQueryData<Bot[]>(queryKeys.bots, (list) => (list ? [...list, bot] : list)),
  });
}

/** Deleting a bot revokes its tokens and webhooks too, so those lists are refetched. */
export function useDeleteBot() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (username: string) => api.deleteBot(username),
    onSuccess: (_, username) => {
      client.setQueryData<Bot[]>(queryKeys.bots, (list) => list?.filter((b) => b.username !== username));
      client.setQueryData<ApiToken[]>(queryKeys.tokens, (list) => list?.filter((t) => t.username !== username));
      client.setQueryData<Webhook[]>(queryKeys.webhooks, (list) => list?.filter((w) => w.bot !== username));
      void client.invalidateQueries({ queryKey: queryKeys.tokens });
      void client.invalidateQueries({ queryKey: queryKeys.webhooks });
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
    mutationFn: (body: CreateApiTokenBody) => api.createToken(body),
    // No copy of the answer (the secret) lingers in the mutation cache once the form lets go of it.
    gcTime: 0,
    onSuccess: ({ secret: _secret, ...token }) =>
      client.setQueryData<ApiToken[]>(queryKeys.tokens, (list) => (list ? [...list, token] : list)),
  });
}

export function useRevokeToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.revokeToken(id),
    onSuccess: (_, id) => client.setQueryData<ApiToken[]>(queryKeys.tokens, (list) => list?.filter((t) => t.id !== id)),
  });
}

export function useWebhooks() {
  return useQuery({ queryKey: queryKeys.webhooks, queryFn: ({ signal }) => api.webhooks(signal) });
}

/** Like a token's secret, the URL is in this answer only: the cached list keeps the webhook without it. */
export function useCreateWebhook() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateWebhookBody) => api.createWebhook(body),
    gcTime: 0,
    onSuccess: ({ secret: _secret, url: _url, ...webhook }) =>
      client.setQueryData<Webhook[]>(queryKeys.webhooks, (list) => (list ? [...list, webhook] : list)),
  });
}

/** A new URL; the old one is dead before the answer. */
export function useRotateWebhook() {
  return useMutation({ mutationFn: (id: string) => api.rotateWebhook(id), gcTime: 0 });
}

export function useDeleteWebhook() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.deleteWebhook(id),
    onSuccess: (_, id) => client.setQueryData<Webhook[]>(queryKeys.webhooks, (list) => list?.filter((w) => w.id !== id)),
  });
}
