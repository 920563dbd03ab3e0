// POST /api/auth/password: sets a new password; the server signs out every other session.
import { ApiPaths, type ChangePasswordBody } from '@messenger/protocol';
import { useMutation } from '@tanstack/react-query';
import { requestEmpty } from './http';

export function useChangePassword() {
  return useMutation({
    mutationFn: (body: ChangePasswordBody) => requestEmpty(ApiPaths.changePassword, { method: 'POST', body }),
  });
}
