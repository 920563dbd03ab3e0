// POST /api/auth/logout-everywhere: ends every session of this user (other browsers, the
// desktop agent) and this one.
import { ApiPaths } from '@messenger/protocol';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { requestEmpty } from './http';
import { endSessionLocally } from './me';

export function useLogoutEverywhere() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => requestEmpty(ApiPaths.logoutEverywhere, { method: 'POST' }),
    onSuccess: () => endSessionLocally(client),
  });
}
