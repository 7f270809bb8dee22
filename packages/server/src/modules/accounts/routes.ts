// HTTP routes of accounts under /api/v1: authentication (login, logout, me), groups, users, memberships,
// invitations and API tokens. Each route: schema, required scope, one service call in a transaction where it
// changes state, the mapping of the result. Authorization decisions live in policy.ts via the service.

import type { Clock } from '@tessera/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import { inTransaction, isoTime } from '../../db/transaction.js';
import { callerOf, requireAuth, SESSION_COOKIE } from '../../http/authenticate.js';
import { problemResponses } from '../../http/openapi.js';
import { pageRequest, pageSchema } from '../../http/pagination.js';
import type { Authentication } from './authentication.js';
import { isIsvAdmin } from './policy.js';
import type { Invitation } from './repository.js';
import * as s from './schemas.js';
import type { AccountsService } from './service.js';

export interface AccountsRoutesDeps {
  db: Kysely<Database>;
  clock: Clock;
  accounts: AccountsService;
  authentication: Authentication;
  loginRateLimitPerMinute: number;
}

const invitationStatus = (invitation: Invitation, now: string) =>
  invitation.acceptedAt
    ? ('accepted' as const)
    : invitation.revokedAt
      ? ('revoked' as const)
      : invitation.expiresAt <= now
        ? ('expired' as const)
        : ('pending' as const);

const setSessionCookie = (
  request: FastifyRequest,
  reply: FastifyReply,
  secret: string,
  expiresAt: string,
) => {
  reply.setCookie(SESSION_COOKIE, secret, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    // request.protocol honours X-Forwarded-Proto only when TESSERA_TRUST_PROXY trusts the proxy.
    secure: request.protocol === 'https',
    expires: new Date(expiresAt),
  });
};

export const registerAccountsRoutes = (app: FastifyInstance, deps: AccountsRoutesDeps): void => {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const { db, accounts, authentication } = deps;
  const now = () => isoTime(deps.clock.now());
  const presentInvitation = (invitation: Invitation) => ({
    ...invitation,
    status: invitationStatus(invitation, now()),
  });
  const limited = { rateLimit: { max: deps.loginRateLimitPerMinute, timeWindow: 60_000 } };

  // ——— authentication ———

  api.post(
    '/auth/login',
    {
      config: limited,
      schema: {
        tags: ['auth'],
        summary: 'Log in with e-mail and password; sets the session cookie',
        security: [],
        body: s.loginBody,
        response: { 200: s.loginResponse, ...problemResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const result = await authentication.login({
        email: request.body.email,
        password: request.body.password,
        clientAddress: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
        requestId: String(request.id),
      });
      setSessionCookie(request, reply, result.secret, result.expiresAt);
      return { user: result.user, csrfToken: result.csrfToken, expiresAt: result.expiresAt };
    },
  );

  api.post(
    '/auth/logout',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['auth'],
        summary: 'End the current session',
        response: { 204: z.null(), ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      await authentication.logout(callerOf(request));
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/me',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['auth'],
        summary: 'Who is calling',
        response: { 200: s.meSchema, ...problemResponses(401) },
      },
    },
    async (request) => {
      const { principal } = callerOf(request);
      const user = await accounts.getUser(db, callerOf(request), principal.user.id);
      return {
        user,
        via: principal.via,
        scopes: [...principal.scopes],
        isIsvAdmin: isIsvAdmin(principal),
        memberships: principal.memberships.map((m) => ({
          groupId: m.groupId,
          groupName: m.groupName,
          role: m.role,
        })),
        csrfToken: request.csrfToken ?? null,
      };
    },
  );

  api.post(
    '/me/password',
    {
      onRequest: requireAuth('write'),
      schema: {
        tags: ['auth'],
        summary: 'Change your own password (ends your other sessions)',
        body: s.changePasswordBody,
        response: { 204: z.null(), ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      await accounts.changeOwnPassword(callerOf(request), request.body);
      return reply.code(204).send(null);
    },
  );

  // ——— groups ———

  api.get(
    '/groups',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['groups'],
        summary: 'Groups visible to you',
        querystring: s.listGroupsQuery,
        response: { 200: pageSchema(s.groupSchema), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) =>
      accounts.listGroups(
        db,
        callerOf(request),
        { parentId: request.query.parentId },
        pageRequest(request.query),
      ),
  );

  api.post(
    '/groups',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['groups'],
        summary: 'Create a subgroup of a group you administer',
        body: s.createGroupBody,
        response: { 201: s.groupSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const group = await inTransaction(db, (trx) =>
        accounts.createGroup(trx, callerOf(request), request.body),
      );
      return reply.code(201).send(group);
    },
  );

  api.get(
    '/groups/:id',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['groups'],
        summary: 'One group',
        params: s.idParams,
        response: { 200: s.groupSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => accounts.getGroup(db, callerOf(request), request.params.id),
  );

  api.patch(
    '/groups/:id',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['groups'],
        summary: 'Rename a group, or set its externalId (customer number for ERPs and the connector)',
        params: s.idParams,
        body: s.patchGroupBody,
        response: { 200: s.groupSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      inTransaction(db, async (trx) => {
        const { name, externalId } = request.body;
        const renamed =
          name === undefined
            ? undefined
            : await accounts.renameGroup(trx, callerOf(request), request.params.id, name);
        return externalId === undefined
          ? (renamed ?? accounts.getGroup(trx, callerOf(request), request.params.id))
          : accounts.setGroupExternalId(trx, callerOf(request), request.params.id, externalId);
      }),
  );

  api.delete(
    '/groups/:id',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['groups'],
        summary: 'Delete an empty subgroup (admins of its parent)',
        params: s.idParams,
        response: { 204: z.null(), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await inTransaction(db, (trx) => accounts.deleteGroup(trx, callerOf(request), request.params.id));
      return reply.code(204).send(null);
    },
  );

  // ——— users ———

  api.get(
    '/users',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['users'],
        summary: 'Users visible to you (members of groups you can see, and yourself)',
        querystring: s.listUsersQuery,
        response: { 200: pageSchema(s.userSchema), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      accounts.listUsers(
        db,
        callerOf(request),
        { groupId: request.query.groupId },
        pageRequest(request.query),
      ),
  );

  api.get(
    '/users/:id',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['users'],
        summary: 'One user',
        params: s.idParams,
        response: { 200: s.userSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => accounts.getUser(db, callerOf(request), request.params.id),
  );

  api.patch(
    '/users/:id',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['users'],
        summary: "Change a user's name (yourself, or users whose every group you administer)",
        params: s.idParams,
        body: s.patchUserBody,
        response: { 200: s.userSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      inTransaction(db, (trx) =>
        accounts.updateUser(trx, callerOf(request), request.params.id, request.body),
      ),
  );

  for (const [action, verb] of [
    ['disable', 'Disable an account: its sessions end and its API tokens stop working'],
    ['enable', 'Enable a disabled account'],
  ] as const) {
    api.post(
      `/users/:id/${action}`,
      {
        onRequest: requireAuth('admin'),
        schema: {
          tags: ['users'],
          summary: verb,
          params: s.idParams,
          response: { 200: s.userSchema, ...problemResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) =>
        inTransaction(db, (trx) =>
          action === 'disable'
            ? accounts.disableUser(trx, callerOf(request), request.params.id)
            : accounts.enableUser(trx, callerOf(request), request.params.id),
        ),
    );
  }

  // ——— memberships ———

  api.get(
    '/memberships',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['memberships'],
        summary: 'Memberships in groups visible to you',
        querystring: s.listMembershipsQuery,
        response: { 200: pageSchema(s.membershipSchema), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      accounts.listMemberships(
        db,
        callerOf(request),
        { groupId: request.query.groupId, userId: request.query.userId },
        pageRequest(request.query),
      ),
  );

  api.post(
    '/memberships',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['memberships'],
        summary: 'Add a user you can see to a group you administer',
        body: s.createMembershipBody,
        response: { 201: s.membershipSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const membership = await inTransaction(db, (trx) =>
        accounts.addMembership(trx, callerOf(request), request.body),
      );
      return reply.code(201).send(membership);
    },
  );

  api.patch(
    '/memberships/:id',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['memberships'],
        summary: 'Change the role of a membership',
        params: s.idParams,
        body: s.patchMembershipBody,
        response: { 200: s.membershipSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      inTransaction(db, (trx) =>
        accounts.changeMembershipRole(trx, callerOf(request), request.params.id, request.body.role),
      ),
  );

  api.delete(
    '/memberships/:id',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['memberships'],
        summary: 'Remove a user from a group (never the last ISV admin)',
        params: s.idParams,
        response: { 204: z.null(), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await inTransaction(db, (trx) => accounts.removeMembership(trx, callerOf(request), request.params.id));
      return reply.code(204).send(null);
    },
  );

  // ——— invitations ———

  api.get(
    '/invitations',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['invitations'],
        summary: 'Pending invitations into groups you administer',
        querystring: s.listInvitationsQuery,
        response: { 200: pageSchema(s.invitationSchema), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const page = await accounts.listInvitations(
        db,
        callerOf(request),
        { groupId: request.query.groupId },
        pageRequest(request.query),
      );
      return { items: page.items.map(presentInvitation), nextCursor: page.nextCursor };
    },
  );

  api.post(
    '/invitations',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['invitations'],
        summary: 'Invite an e-mail into a group; returns the one-time set-password link',
        body: s.createInvitationBody,
        response: { 201: s.createInvitationResponse, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const created = await inTransaction(db, (trx) =>
        accounts.createInvitation(trx, callerOf(request), request.body),
      );
      return reply.code(201).send({ ...created, invitation: presentInvitation(created.invitation) });
    },
  );

  api.delete(
    '/invitations/:id',
    {
      onRequest: requireAuth('admin'),
      schema: {
        tags: ['invitations'],
        summary: 'Revoke a pending invitation',
        params: s.idParams,
        response: { 204: z.null(), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await inTransaction(db, (trx) => accounts.revokeInvitation(trx, callerOf(request), request.params.id));
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/invitations/accept',
    {
      config: limited,
      schema: {
        tags: ['invitations'],
        summary:
          'Redeem an invitation link: set the password (or prove it, for an existing account) and join',
        security: [],
        body: s.acceptInvitationBody,
        response: { 200: s.acceptInvitationResponse, ...problemResponses(400, 403, 429) },
      },
    },
    async (request) => accounts.acceptInvitation(request.body, String(request.id)),
  );

  // ——— API tokens ———

  api.get(
    '/api-tokens',
    {
      onRequest: requireAuth('read'),
      schema: {
        tags: ['api-tokens'],
        summary: 'Your API tokens, or (admins) those of a user you manage',
        querystring: s.listApiTokensQuery,
        response: { 200: pageSchema(s.apiTokenSchema), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      accounts.listApiTokens(
        db,
        callerOf(request),
        { userId: request.query.userId, includeRevoked: request.query.includeRevoked },
        pageRequest(request.query),
      ),
  );

  api.post(
    '/api-tokens',
    {
      onRequest: requireAuth('write'),
      schema: {
        tags: ['api-tokens'],
        summary: 'Create an API token for yourself; the secret is in this response only',
        body: s.createApiTokenBody,
        response: { 201: s.createApiTokenResponse, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { token, secret } = await inTransaction(db, (trx) =>
        accounts.createApiToken(trx, callerOf(request), request.body),
      );
      return reply.code(201).send({ apiToken: token, token: secret });
    },
  );

  api.delete(
    '/api-tokens/:id',
    {
      onRequest: requireAuth('write'),
      schema: {
        tags: ['api-tokens'],
        summary: 'Revoke a token (yours, or as admin one of a user you manage)',
        params: s.idParams,
        response: { 200: s.apiTokenSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      inTransaction(db, (trx) => accounts.revokeApiToken(trx, callerOf(request), request.params.id)),
  );
};
