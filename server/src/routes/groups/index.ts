// Group management: create, list, read, rename, members, roles, leave, and a member's own settings. A group's
// messages have their own routes (messages.ts). Non-members get 404 group_not_found everywhere.
import {
  AddMembersBody,
  CreateGroupBody,
  ErrorBody,
  Group,
  GroupMember,
  GroupMemberParams,
  GroupMembersResponse,
  GroupParams,
  GroupsResponse,
  MAX_PINNED_CONVERSATIONS,
  MuteBody,
  ConversationSettingsBody,
  RenameGroupBody,
  SetRoleBody,
} from '@messenger/protocol';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errors } from '../../errors.js';

const tags = ['groups'];
// Every route reads the session; most can also be refused for the group or the role.
const asked = { 401: ErrorBody, 404: ErrorBody };
const written = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody };

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const { groupsService: groups } = app;

  function me(session: { username: string } | null): string {
    if (!session) throw errors.unauthorized();
    return session.username;
  }

  app.post(
    '/api/groups',
    {
      schema: {
        tags,
        summary: 'Create a group; you become its owner',
        description:
          'Usernames are case-folded and deduplicated; yours is ignored if listed. An unknown one is 404 recipient_not_found; more than GROUP_MAX_MEMBERS in total (you included) is 409 group_full.',
        body: CreateGroupBody,
        response: { 201: Group, ...written, 409: ErrorBody },
      },
      preHandler: app.requireUser,
    },
    async (request, reply) => {
      const group = await groups.create(me(request.session), request.body.name, request.body.members);
      return reply.code(201).send(group);
    },
  );

  app.get(
    '/api/groups',
    {
      schema: {
        tags,
        summary: 'Your groups, most recent activity first, with unread counts',
        response: { 200: GroupsResponse, 401: ErrorBody },
      },
      config: { scope: 'read' },
      preHandler: app.requireUser,
    },
    async (request) => ({ groups: await groups.list(me(request.session)) }),
  );

  app.get(
    '/api/groups/:id',
    {
      schema: { tags, summary: 'One of your groups', params: GroupParams, response: { 200: Group, 400: ErrorBody, ...asked } },
      config: { scope: 'read' },
      preHandler: app.requireUser,
    },
    async (request) => groups.get(me(request.session), request.params.id),
  );

  app.patch(
    '/api/groups/:id',
    {
      schema: {
        tags,
        summary: 'Rename a group (owner and admins)',
        params: GroupParams,
        body: RenameGroupBody,
        response: { 200: Group, ...written },
      },
      preHandler: app.requireUser,
    },
    async (request) => groups.rename(me(request.session), request.params.id, request.body.name),
  );

  app.get(
    '/api/groups/:id/members',
    {
      schema: {
        tags,
        summary: 'The members of a group, longest-standing first',
        params: GroupParams,
        response: { 200: GroupMembersResponse, 400: ErrorBody, ...asked },
      },
      config: { scope: 'read' },
      preHandler: app.requireUser,
    },
    async (request) => ({ members: await app.profilesService.withProfiles(await groups.members(me(request.session), request.params.id), 'username') }),
  );

  app.post(
    '/api/groups/:id/members',
    {
      schema: {
        tags,
        summary: 'Add members (owner and admins); those already in are left as they are',
        description: 'An unknown username is 404 recipient_not_found; going past GROUP_MAX_MEMBERS is 409 group_full, and then nobody is added.',
        params: GroupParams,
        body: AddMembersBody,
        response: { 200: GroupMembersResponse, ...written, 409: ErrorBody },
      },
      preHandler: app.requireUser,
    },
    async (request) => ({
      members: await app.profilesService.withProfiles(await groups.addMembers(me(request.session), request.params.id, request.body.usernames), 'username'),
    }),
  );

  app.delete(
    '/api/groups/:id/members/:username',
    {
      schema: {
        tags,
        summary: 'Remove a member, or leave (your own username)',
        description:
          'The owner removes anyone, an admin only members. When the owner leaves, the longest-standing admin (else member) becomes owner. A removed member receives nothing of the group from then on.',
        params: GroupMemberParams,
        response: { 204: Type.Null(), 400: ErrorBody, 403: ErrorBody, ...asked },
      },
      preHandler: app.requireUser,
    },
    async (request, reply) => {
      await groups.removeMember(me(request.session), request.params.id, request.params.username);
      return reply.code(204).send(null);
    },
  );

  app.patch(
    '/api/groups/:id/members/:username',
    {
      schema: {
        tags,
        summary: "Change a member's role (owner only)",
        params: GroupMemberParams,
        body: SetRoleBody,
        response: { 200: GroupMember, ...written },
      },
      preHandler: app.requireUser,
    },
    async (request) => groups.setRole(me(request.session), request.params.id, request.params.username, request.body.role),
  );

  app.put(
    '/api/groups/:id/mute',
    {
      schema: {
        tags,
        summary: 'Mute or unmute a group for yourself (mentions still notify)',
        params: GroupParams,
        body: MuteBody,
        response: { 200: Group, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody },
      },
      preHandler: app.requireUser,
    },
    async (request) => groups.updateSettings(me(request.session), request.params.id, { muted: request.body.muted }),
  );

  app.patch(
    '/api/groups/:id/settings',
    {
      schema: {
        tags,
        summary: 'Pin, archive, mark as unread or mute a group for yourself, on every screen',
        description: `Changes only the settings the body names. At most ${MAX_PINNED_CONVERSATIONS} pinned conversations (1:1 and groups together). An archived group comes back with a new message unless it is muted.`,
        params: GroupParams,
        body: ConversationSettingsBody,
        response: { 200: Group, 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 413: ErrorBody, 415: ErrorBody },
      },
      preHandler: app.requireUser,
    },
    async (request) => groups.updateSettings(me(request.session), request.params.id, request.body),
  );
};

export default routes;
