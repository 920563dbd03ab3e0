// The group management API (GroupApiPaths): list, create, rename, members, mute. Every answer is
// checked against the protocol's schemas.
import {
  Group,
  GroupApiPaths,
  GroupMembersResponse,
  GroupsResponse,
  GroupMember,
  type CreateGroupBody,
  type SetRoleBody,
} from '@messenger/protocol';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { requestEmpty, requestJson } from './http';
import { queryKeys } from './keys';
import { seedProfiles } from './profiles';

export async function fetchGroups(): Promise<Group[]> {
  const answer = await requestJson(GroupApiPaths.groups, GroupsResponse);
  return answer.groups;
}

export function useGroups(enabled = true) {
  return useQuery({ queryKey: queryKeys.groups, queryFn: fetchGroups, enabled, staleTime: 30_000 });
}

export function createGroup(body: CreateGroupBody): Promise<Group> {
  return requestJson(GroupApiPaths.groups, Group, { method: 'POST', body });
}

export function renameGroup(id: string, name: string): Promise<Group> {
  return requestJson(GroupApiPaths.group(id), Group, { method: 'PATCH', body: { name } });
}

export function setGroupMuted(id: string, muted: boolean): Promise<Group> {
  return requestJson(GroupApiPaths.mute(id), Group, { method: 'PUT', body: { muted } });
}

export async function fetchGroupMembers(id: string, signal?: AbortSignal): Promise<GroupMember[]> {
  const answer = await requestJson(GroupApiPaths.members(id), GroupMembersResponse, { signal });
  return answer.members;
}

export function useGroupMembers(id: string, enabled = true) {
  const client = useQueryClient();
  return useQuery({
    queryKey: queryKeys.groupMembers(id),
    queryFn: async ({ signal }) => {
      const members = await fetchGroupMembers(id, signal);
      seedProfiles(client, members);
      return members;
    },
    enabled,
    staleTime: 30_000,
  });
}

export async function addGroupMembers(id: string, usernames: string[]): Promise<GroupMember[]> {
  const answer = await requestJson(GroupApiPaths.members(id), GroupMembersResponse, { method: 'POST', body: { usernames } });
  return answer.members;
}

/** The owner makes a member an admin, or an admin a plain member again. */
export function setGroupRole(id: string, username: string, role: SetRoleBody['role']): Promise<GroupMember> {
  return requestJson(GroupApiPaths.member(id, username), GroupMember, { method: 'PATCH', body: { role } });
}

/** Removes a member; removing yourself is leaving the group. */
export function removeGroupMember(id: string, username: string): Promise<void> {
  return requestEmpty(GroupApiPaths.member(id, username), { method: 'DELETE' });
}
