// PATCH /api/me/profile, PUT and DELETE /api/me/avatar: my display name and picture. Each answer
// is my whole profile, written where every screen reads it (api/profiles.ts); my other screens
// and the people I talk with hear of it through profile:update.
import type { AvatarContentType, Profile, UpdateProfileBody } from '@messenger/protocol';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { client } from './http';
import { setProfile } from './profiles';

function useProfileMutation<V>(change: (variables: V) => Promise<Profile>) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: change, onSuccess: (profile) => setProfile(queryClient, profile) });
}

export function useUpdateProfile() {
  return useProfileMutation((body: UpdateProfileBody) => client.updateProfile(body));
}

/** The picture and its type as the picker checked it; the server judges the bytes again. */
export function useUploadAvatar() {
  return useProfileMutation(({ image, type }: { image: Blob; type: AvatarContentType }) => client.uploadAvatar(image, type));
}

export function useDeleteAvatar() {
  return useProfileMutation(() => client.deleteAvatar());
}
