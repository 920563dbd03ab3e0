// POST /api/auth/logout: ends the session (the server clears the cookie and closes its sockets).
import { ApiPaths } from '@messenger/protocol';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { requestEmpty } from './http';
import { endSessionLocally } from './me';

export function useLogout() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => requestEmpty(ApiPaths.logout, { method: 'POST' }),
    onSettled: () => endSessionLocally(client),
  });
}
