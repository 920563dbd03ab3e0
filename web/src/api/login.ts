// POST /api/auth/login: starts a session; the server sets the HttpOnly session cookie.
import { ApiPaths, SessionResponse, type Credentials } from '@messenger/protocol';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { requestJson } from './http';
import { queryKeys } from './keys';

export function useLogin() {
  const client = useQueryClient();
  return useMutation({
    // The token in the answer is for scripts; the browser relies on the cookie and drops it.
    mutationFn: async (credentials: Credentials) => {
      const session = await requestJson(ApiPaths.login, SessionResponse, { method: 'POST', body: credentials });
      return session.user.username;
    },
    onSuccess: async () => {
      // Nothing of a previous session survives; then load who we are now.
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== queryKeys.me[0] });
      await client.resetQueries({ queryKey: queryKeys.me });
    },
  });
}
