// Domain logic of accounts: groups, users, memberships, invitations and API tokens. Every method checks
// authorization through policy.ts, changes state with conditional updates inside the caller's transaction and
// records its audit entry in that same transaction. Sessions and login live in authentication.ts.
// Not here: HTTP (routes.ts), SQL (repository.ts).

import { type Clock, TesseraError } from '@tessera/core';
import type { Kysely } from 'kysely';
import type { Database, GroupKind, Role } from '../../db/schema.js';
import { type Executor, inTransaction, isoTime, newId, type Trx } from '../../db/transaction.js';
import { type Page, type PageRequest, toPage } from '../../http/pagination.js';
import type { AuditActor, AuditLog } from '../audit/service.js';
import { hashPassword, verifyPassword } from './passwords.js';
import {
  canManageGroup,
  canManageUser,
  canSeeGroup,
  expandScopes,
  forbidden,
  groupVisibility,
  hasScope,
  isAnyAdmin,
  managedVisibility,
  notFound,
  type Principal,
  requireScope,
  type Scope,
} from './policy.js';
import type { ApiToken, Group, Invitation, Membership, User } from './repository.js';
import * as repo from './repository.js';
import {
  apiTokenDisplayPrefix,
  newApiTokenSecret,
  newOpaqueSecret,
  type Random,
  sha256Hex,
} from './secrets.js';

/** The authenticated caller of a service method and the request it came in. */
export interface Caller {
  principal: Principal;
  requestId: string | null;
}

export const auditActor = (caller: Caller): AuditActor => ({
  userId: caller.principal.user.id,
  tokenId: caller.principal.tokenId ?? null,
  requestId: caller.requestId,
});

export interface AccountsDeps {
  db: Kysely<Database>;
  clock: Clock;
  random: Random;
  audit: AuditLog;
  /** Base URL for links handed to people (invitation set-password links). */
  publicUrl: string;
}

export const INVITATION_LIFETIME_MS = 7 * 24 * 3600 * 1000;

const conflict = (code: string, detail: string, details: Record<string, unknown> = {}) =>
  new TesseraError(code, detail, details);

export type AccountsService = ReturnType<typeof createAccountsService>;

export const createAccountsService = (deps: AccountsDeps) => {
  const { clock, random, audit } = deps;
  const now = () => isoTime(clock.now());

  /** A group the caller can see, else group_not_found (existence must not leak). */
  const visibleGroup = async (ex: Executor, caller: Caller, id: string): Promise<Group> => {
    const group = await repo.findGroup(ex, id);
    if (!group || !canSeeGroup(caller.principal, group)) throw notFound('group', id);
    return group;
  };

  const managedGroup = async (ex: Executor, caller: Caller, id: string): Promise<Group> => {
    const group = await visibleGroup(ex, caller, id);
    if (!canManageGroup(caller.principal, group))
      throw forbidden(`You are not an admin of group ${group.name}.`);
    return group;
  };

  /** A user the caller can see (itself, or someone in a group it can see), with that user's memberships. */
  const findVisibleUser = async (ex: Executor, caller: Caller, id: string) => {
    const user = await repo.findUser(ex, id);
    if (!user) return undefined;
    const memberships = await repo.membershipsOfUser(ex, id);
    const visible =
      id === caller.principal.user.id ||
      memberships.some((m) => canSeeGroup(caller.principal, { id: m.groupId, path: m.groupPath }));
    return visible ? { user, memberships } : undefined;
  };

  const visibleUser = async (ex: Executor, caller: Caller, id: string) => {
    const found = await findVisibleUser(ex, caller, id);
    if (!found) throw notFound('user', id);
    return found;
  };

  const requireManageUser = (caller: Caller, memberships: Membership[]) => {
    if (
      !canManageUser(
        caller.principal,
        memberships.map((m) => m.groupPath),
      )
    ) {
      throw forbidden('Only an admin of every group this user belongs to can change the account.');
    }
  };

  const ensureSiblingNameFree = async (ex: Executor, parentId: string, name: string, exceptId?: string) => {
    const siblings = await ex
      .selectFrom('groups')
      .select('id')
      .where('parent_id', '=', parentId)
      .where('name', '=', name)
      .execute();
    if (siblings.some((s) => s.id !== exceptId)) {
      throw conflict('group_name_taken', `A group named "${name}" already exists here.`, { field: 'name' });
    }
  };

  const ensureExternalIdFree = async (ex: Executor, externalId: string, exceptId?: string) => {
    const holder = await repo.findGroupByExternalId(ex, externalId);
    if (holder && holder.id !== exceptId) {
      throw conflict('external_id_taken', `Another group already has the externalId "${externalId}".`, {
        field: 'externalId',
      });
    }
  };

  /** Refuses a change that would leave the root group without an active admin. */
  const ensureAnotherIsvAdmin = async (trx: Trx, rootGroupId: string, userId: string) => {
    await repo.lockGroup(trx, rootGroupId);
    if ((await repo.countIsvAdmins(trx, rootGroupId, userId)) === 0) {
      throw conflict(
        'last_isv_admin',
        'This is the last active admin of the root group; appoint another first.',
      );
    }
  };

  return {
    // ——— groups ———

    listGroups: async (
      ex: Executor,
      caller: Caller,
      filter: { parentId?: string | undefined },
      page: PageRequest,
    ) =>
      toPage(
        await repo.listGroups(
          ex,
          { visibility: groupVisibility(caller.principal), parentId: filter.parentId },
          page,
        ),
        page,
        (g) => g.id,
      ),

    getGroup: (ex: Executor, caller: Caller, id: string): Promise<Group> => visibleGroup(ex, caller, id),

    createGroup: async (
      trx: Trx,
      caller: Caller,
      input: {
        parentId: string;
        name: string;
        kind: Exclude<GroupKind, 'vendor'>;
        externalId?: string | undefined;
      },
    ): Promise<Group> => {
      const parent = await managedGroup(trx, caller, input.parentId);
      await ensureSiblingNameFree(trx, parent.id, input.name);
      if (input.externalId !== undefined) await ensureExternalIdFree(trx, input.externalId);
      const id = newId();
      const at = now();
      const group: Group = {
        id,
        parentId: parent.id,
        path: `${parent.path}${id}/`,
        name: input.name,
        kind: input.kind,
        externalId: input.externalId ?? null,
        createdAt: at,
        updatedAt: at,
      };
      await repo.insertGroup(trx, group);
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'group.created',
        subject: { type: 'group', id },
        groupPath: group.path,
        data: {
          name: group.name,
          kind: group.kind,
          parentId: parent.id,
          ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
        },
      });
      return group;
    },

    /**
     * Sets the customer number an ERP knows the group by. Orders by that number land in this group, so only an
     * admin of a group above it (or an ISV admin) may set it — never the group's own admins.
     */
    setGroupExternalId: async (
      trx: Trx,
      caller: Caller,
      id: string,
      externalId: string | null,
    ): Promise<Group> => {
      const group = await visibleGroup(trx, caller, id);
      const parentPath = group.path.slice(0, group.path.length - id.length - 1);
      if (group.parentId === null || !canManageGroup(caller.principal, { path: parentPath })) {
        throw forbidden('Only an admin of a group above this one can set its externalId.');
      }
      if (externalId === (group.externalId ?? null)) return group;
      if (externalId !== null) await ensureExternalIdFree(trx, externalId, id);
      const at = now();
      if (!(await repo.setGroupExternalId(trx, id, externalId, at))) throw notFound('group', id);
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'group.external_id_changed',
        subject: { type: 'group', id },
        groupPath: group.path,
        data: { from: group.externalId ?? null, to: externalId },
      });
      return { ...group, externalId, updatedAt: at };
    },

    renameGroup: async (trx: Trx, caller: Caller, id: string, name: string): Promise<Group> => {
      const group = await managedGroup(trx, caller, id);
      if (group.parentId !== null) await ensureSiblingNameFree(trx, group.parentId, name, id);
      const at = now();
      if (!(await repo.renameGroup(trx, id, name, at))) throw notFound('group', id);
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'group.renamed',
        subject: { type: 'group', id },
        groupPath: group.path,
        data: { from: group.name, to: name },
      });
      return { ...group, name, updatedAt: at };
    },

    /** Deletes an empty subgroup; its pending invitations go with it. The admin must manage its parent. */
    deleteGroup: async (trx: Trx, caller: Caller, id: string): Promise<void> => {
      const group = await visibleGroup(trx, caller, id);
      if (group.parentId === null) throw forbidden('The root group cannot be deleted.');
      const parentPath = group.path.slice(0, group.path.length - id.length - 1);
      if (!canManageGroup(caller.principal, { path: parentPath })) {
        throw forbidden('Only an admin of the parent group can delete a group.');
      }
      await repo.lockGroup(trx, id);
      await repo.deleteInvitationsOfGroup(trx, id);
      if (!(await repo.deleteEmptyGroup(trx, id))) {
        throw conflict('group_not_empty', 'The group still has subgroups or members; remove them first.');
      }
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'group.deleted',
        subject: { type: 'group', id },
        groupPath: group.path,
        data: { name: group.name },
      });
    },

    // ——— users ———

    listUsers: async (
      ex: Executor,
      caller: Caller,
      filter: { groupId?: string | undefined },
      page: PageRequest,
    ) => {
      if (filter.groupId !== undefined) await visibleGroup(ex, caller, filter.groupId);
      const rows = await repo.listUsers(
        ex,
        {
          visibility: groupVisibility(caller.principal),
          selfId: caller.principal.user.id,
          groupId: filter.groupId,
        },
        page,
      );
      return toPage(rows, page, (u) => u.id);
    },

    getUser: async (ex: Executor, caller: Caller, id: string): Promise<User> =>
      (await visibleUser(ex, caller, id)).user,

    updateUser: async (trx: Trx, caller: Caller, id: string, input: { name: string }): Promise<User> => {
      const { user, memberships } = await visibleUser(trx, caller, id);
      if (id !== caller.principal.user.id) requireManageUser(caller, memberships);
      const at = now();
      if (!(await repo.updateUserName(trx, id, input.name, at))) throw notFound('user', id);
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'user.updated',
        subject: { type: 'user', id },
        data: { name: { from: user.name, to: input.name } },
      });
      return { ...user, name: input.name, updatedAt: at };
    },

    /** Disables an account: its sessions end at once and its API tokens stop working. Idempotent. */
    disableUser: async (trx: Trx, caller: Caller, id: string): Promise<User> => {
      const { user, memberships } = await visibleUser(trx, caller, id);
      if (id === caller.principal.user.id) throw forbidden('You cannot disable your own account.');
      requireManageUser(caller, memberships);
      const rootAdmin = memberships.find((m) => m.role === 'admin' && isRootPath(m.groupPath));
      if (rootAdmin) await ensureAnotherIsvAdmin(trx, rootAdmin.groupId, id);
      const at = now();
      if (!(await repo.changeUserStatus(trx, id, 'active', 'disabled', at))) return user;
      await repo.deleteSessionsOfUser(trx, id);
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'user.disabled',
        subject: { type: 'user', id },
      });
      return { ...user, status: 'disabled', updatedAt: at };
    },

    enableUser: async (trx: Trx, caller: Caller, id: string): Promise<User> => {
      const { user, memberships } = await visibleUser(trx, caller, id);
      requireManageUser(caller, memberships);
      const at = now();
      if (!(await repo.changeUserStatus(trx, id, 'disabled', 'active', at))) return user;
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'user.enabled',
        subject: { type: 'user', id },
      });
      return { ...user, status: 'active', updatedAt: at };
    },

    /** Changes the caller's own password (hashing happens before the transaction opens). Ends other sessions. */
    changeOwnPassword: async (caller: Caller, input: { currentPassword: string; newPassword: string }) => {
      const userId = caller.principal.user.id;
      const current = await repo.findPasswordHash(deps.db, userId);
      if (!(await verifyPassword(input.currentPassword, current))) {
        throw new TesseraError('wrong_password', 'The current password is not correct.', {
          field: 'currentPassword',
        });
      }
      const hash = await hashPassword(input.newPassword, random);
      await inTransaction(deps.db, async (trx) => {
        await repo.setPasswordHash(trx, userId, hash, now());
        await repo.deleteSessionsOfUser(trx, userId, caller.principal.sessionId);
        await audit.record(trx, {
          actor: auditActor(caller),
          action: 'user.password_changed',
          subject: { type: 'user', id: userId },
        });
      });
    },

    // ——— memberships ———

    listMemberships: async (
      ex: Executor,
      caller: Caller,
      filter: { groupId?: string | undefined; userId?: string | undefined },
      page: PageRequest,
    ): Promise<Page<Membership>> => {
      if (filter.groupId !== undefined) await visibleGroup(ex, caller, filter.groupId);
      const rows = await repo.listMemberships(
        ex,
        { ...filter, visibility: groupVisibility(caller.principal) },
        page,
      );
      return toPage(rows, page, (m) => m.id);
    },

    addMembership: async (
      trx: Trx,
      caller: Caller,
      input: { groupId: string; userId: string; role: Role },
    ): Promise<Membership> => {
      const group = await managedGroup(trx, caller, input.groupId);
      await visibleUser(trx, caller, input.userId);
      if (await repo.findMembershipOf(trx, input.userId, group.id)) {
        throw conflict('already_member', 'This user is already a member of the group.', { field: 'userId' });
      }
      const at = now();
      const membership: Membership = {
        id: newId(),
        userId: input.userId,
        groupId: group.id,
        groupPath: group.path,
        role: input.role,
        createdAt: at,
        updatedAt: at,
      };
      await repo.insertMembership(trx, membership);
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'membership.created',
        subject: { type: 'membership', id: membership.id },
        groupPath: group.path,
        data: { userId: input.userId, groupId: group.id, role: input.role },
      });
      return membership;
    },

    changeMembershipRole: async (trx: Trx, caller: Caller, id: string, role: Role): Promise<Membership> => {
      const membership = await repo.findMembership(trx, id);
      if (
        !membership ||
        !canSeeGroup(caller.principal, { id: membership.groupId, path: membership.groupPath })
      ) {
        throw notFound('membership', id);
      }
      if (!canManageGroup(caller.principal, { path: membership.groupPath })) {
        throw forbidden('You are not an admin of this group.');
      }
      if (membership.role === role) return membership;
      if (membership.role === 'admin' && isRootPath(membership.groupPath)) {
        await ensureAnotherIsvAdmin(trx, membership.groupId, membership.userId);
      }
      const at = now();
      if (!(await repo.changeMembershipRole(trx, id, role, at))) throw notFound('membership', id);
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'membership.role_changed',
        subject: { type: 'membership', id },
        groupPath: membership.groupPath,
        data: { userId: membership.userId, groupId: membership.groupId, from: membership.role, to: role },
      });
      return { ...membership, role, updatedAt: at };
    },

    removeMembership: async (trx: Trx, caller: Caller, id: string): Promise<void> => {
      const membership = await repo.findMembership(trx, id);
      if (
        !membership ||
        !canSeeGroup(caller.principal, { id: membership.groupId, path: membership.groupPath })
      ) {
        throw notFound('membership', id);
      }
      if (!canManageGroup(caller.principal, { path: membership.groupPath })) {
        throw forbidden('You are not an admin of this group.');
      }
      if (membership.role === 'admin' && isRootPath(membership.groupPath)) {
        await ensureAnotherIsvAdmin(trx, membership.groupId, membership.userId);
      }
      if (!(await repo.deleteMembership(trx, id))) throw notFound('membership', id);
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'membership.deleted',
        subject: { type: 'membership', id },
        groupPath: membership.groupPath,
        data: { userId: membership.userId, groupId: membership.groupId, role: membership.role },
      });
    },

    // ——— invitations ———

    listInvitations: async (
      ex: Executor,
      caller: Caller,
      filter: { groupId?: string | undefined },
      page: PageRequest,
    ): Promise<Page<Invitation>> => {
      if (!isAnyAdmin(caller.principal)) throw forbidden('Only group admins can see invitations.');
      if (filter.groupId !== undefined) await managedGroup(ex, caller, filter.groupId);
      const rows = await repo.listPendingInvitations(
        ex,
        { visibility: managedVisibility(caller.principal), groupId: filter.groupId, now: now() },
        page,
      );
      return toPage(rows, page, (i) => i.id);
    },

    /** Invites an e-mail into a group; the result carries the one-time set-password link (shown once). */
    createInvitation: async (
      trx: Trx,
      caller: Caller,
      input: { groupId: string; email: string; role: Role },
    ): Promise<{ invitation: Invitation; token: string; link: string }> => {
      const group = await managedGroup(trx, caller, input.groupId);
      const email = input.email.toLowerCase();
      const existing = await repo.findUserCredentialsByEmail(trx, email);
      if (existing && (await repo.findMembershipOf(trx, existing.id, group.id))) {
        throw conflict('already_member', `${email} is already a member of this group.`, { field: 'email' });
      }
      const token = newOpaqueSecret(random);
      const at = clock.now();
      const invitation: Invitation = {
        id: newId(),
        groupId: group.id,
        groupPath: group.path,
        email,
        role: input.role,
        invitedBy: caller.principal.user.id,
        createdAt: isoTime(at),
        expiresAt: isoTime(new Date(at.getTime() + INVITATION_LIFETIME_MS)),
        acceptedAt: null,
        acceptedUserId: null,
        revokedAt: null,
      };
      await repo.insertInvitation(trx, invitation, sha256Hex(token));
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'invitation.created',
        subject: { type: 'invitation', id: invitation.id },
        groupPath: group.path,
        data: { email, role: input.role, groupId: group.id },
      });
      return { invitation, token, link: `${deps.publicUrl}/set-password?token=${encodeURIComponent(token)}` };
    },

    revokeInvitation: async (trx: Trx, caller: Caller, id: string): Promise<void> => {
      const invitation = await repo.findInvitation(trx, id);
      if (
        !invitation ||
        !canSeeGroup(caller.principal, { id: invitation.groupId, path: invitation.groupPath })
      ) {
        throw notFound('invitation', id);
      }
      if (!canManageGroup(caller.principal, { path: invitation.groupPath })) {
        throw forbidden('You are not an admin of this group.');
      }
      if (!(await repo.revokeInvitation(trx, id, now()))) {
        throw conflict('invitation_not_pending', 'The invitation was already accepted or revoked.');
      }
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'invitation.revoked',
        subject: { type: 'invitation', id },
        groupPath: invitation.groupPath,
        data: { email: invitation.email },
      });
    },

    /**
     * Redeems an invitation link: creates the account (or, for an existing account, proves ownership with its
     * current password, so an admin cannot take over someone else's account by inviting its e-mail), adds the
     * membership and kills the link. Hashing runs before the transaction opens.
     */
    acceptInvitation: async (
      input: { token: string; password: string; name?: string | undefined },
      requestId: string | null,
    ): Promise<{ user: User; membership: Membership }> => {
      const invalid = () =>
        new TesseraError(
          'invitation_invalid',
          'This invitation link is unknown, already used, revoked or expired.',
          {
            field: 'token',
          },
        );
      const invitation = await repo.findInvitationBySecret(deps.db, sha256Hex(input.token));
      if (!invitation || invitation.acceptedAt || invitation.revokedAt || invitation.expiresAt <= now())
        throw invalid();
      const existing = await repo.findUserCredentialsByEmail(deps.db, invitation.email);
      let newHash: string | null = null;
      if (existing?.passwordHash) {
        if (!(await verifyPassword(input.password, existing.passwordHash))) {
          throw new TesseraError(
            'wrong_password',
            'An account with this e-mail already exists; enter its current password to accept.',
            { field: 'password' },
          );
        }
      } else {
        newHash = await hashPassword(input.password, random);
      }
      if (existing && existing.status !== 'active') throw forbidden('This account is disabled.');

      return inTransaction(deps.db, async (trx) => {
        const at = now();
        const actor: AuditActor = { userId: existing?.id ?? null, tokenId: null, requestId };
        let user: User;
        if (existing) {
          user = existing;
          if (newHash !== null) await repo.setPasswordHash(trx, existing.id, newHash, at);
        } else {
          user = {
            id: newId(),
            email: invitation.email,
            name: input.name ?? invitation.email.split('@')[0] ?? invitation.email,
            status: 'active',
            createdAt: at,
            updatedAt: at,
          };
          await repo.insertUser(trx, user, newHash);
          actor.userId = user.id;
          await audit.record(trx, {
            actor,
            action: 'user.created',
            subject: { type: 'user', id: user.id },
            groupPath: invitation.groupPath,
            data: { email: user.email, via: 'invitation' },
          });
        }
        if (!(await repo.markInvitationAccepted(trx, invitation.id, user.id, at))) throw invalid();
        let membership = await repo.findMembershipOf(trx, user.id, invitation.groupId);
        if (!membership) {
          membership = {
            id: newId(),
            userId: user.id,
            groupId: invitation.groupId,
            groupPath: invitation.groupPath,
            role: invitation.role,
            createdAt: at,
            updatedAt: at,
          };
          await repo.insertMembership(trx, membership);
        }
        await audit.record(trx, {
          actor,
          action: 'invitation.accepted',
          subject: { type: 'invitation', id: invitation.id },
          groupPath: invitation.groupPath,
          data: { userId: user.id, membershipId: membership.id, role: membership.role },
        });
        return { user: { ...user }, membership };
      });
    },

    // ——— API tokens ———

    listApiTokens: async (
      ex: Executor,
      caller: Caller,
      filter: { userId?: string | undefined; includeRevoked: boolean },
      page: PageRequest,
    ): Promise<Page<ApiToken>> => {
      const userId = filter.userId ?? caller.principal.user.id;
      if (userId !== caller.principal.user.id) {
        const { memberships } = await visibleUser(ex, caller, userId);
        requireManageUser(caller, memberships);
        requireScope(caller.principal, 'admin');
      }
      const rows = await repo.listApiTokens(ex, { userId, includeRevoked: filter.includeRevoked }, page);
      return toPage(rows, page, (t) => t.id);
    },

    /** Creates a token for the caller. Its scopes can never exceed the caller's own. The secret is shown once. */
    createApiToken: async (
      trx: Trx,
      caller: Caller,
      input: { name: string; scopes: Scope[]; expiresAt?: string | undefined },
    ): Promise<{ token: ApiToken; secret: string }> => {
      const scopes = expandScopes(input.scopes);
      const missing = scopes.find((scope) => !hasScope(caller.principal, scope));
      if (missing)
        throw new TesseraError('insufficient_scope', `You cannot grant the "${missing}" scope.`, {
          field: 'scopes',
        });
      if (scopes.includes('admin') && !isAnyAdmin(caller.principal)) {
        throw forbidden('Only group admins can create tokens with the "admin" scope.');
      }
      const at = clock.now();
      if (input.expiresAt !== undefined && new Date(input.expiresAt) <= at) {
        throw new TesseraError('validation_failed', 'expiresAt must be in the future.', {
          field: 'expiresAt',
        });
      }
      return issueApiToken(
        trx,
        { audit, clock, random },
        {
          userId: caller.principal.user.id,
          name: input.name,
          scopes,
          expiresAt: input.expiresAt === undefined ? null : isoTime(new Date(input.expiresAt)),
          actor: auditActor(caller),
        },
      );
    },

    revokeApiToken: async (trx: Trx, caller: Caller, id: string): Promise<ApiToken> => {
      const token = await repo.findApiToken(trx, id);
      if (!token) throw notFound('api_token', id);
      if (token.userId !== caller.principal.user.id) {
        const owner = await findVisibleUser(trx, caller, token.userId);
        if (
          !owner ||
          !canManageUser(
            caller.principal,
            owner.memberships.map((m) => m.groupPath),
          )
        ) {
          throw notFound('api_token', id);
        }
        requireScope(caller.principal, 'admin');
      }
      const at = now();
      if (!(await repo.revokeApiToken(trx, id, at))) return token;
      await audit.record(trx, {
        actor: auditActor(caller),
        action: 'api_token.revoked',
        subject: { type: 'api_token', id },
        data: { userId: token.userId, name: token.name },
      });
      return { ...token, revokedAt: at };
    },
  };
};

const isRootPath = (path: string): boolean => path.split('/').length === 3;

/**
 * Stores a new API token and its audit entry. With `secret` given (bootstrap), that exact value becomes
 * the token; otherwise a fresh one is generated.
 */
export const issueApiToken = async (
  trx: Trx,
  deps: { audit: AuditLog; clock: Clock; random: Random },
  input: {
    userId: string;
    name: string;
    scopes: Scope[];
    expiresAt: string | null;
    actor: AuditActor;
    secret?: string;
  },
): Promise<{ token: ApiToken; secret: string }> => {
  const secret = input.secret ?? newApiTokenSecret(deps.random);
  const token: ApiToken = {
    id: newId(),
    userId: input.userId,
    name: input.name,
    prefix: apiTokenDisplayPrefix(secret),
    scopes: input.scopes,
    createdAt: isoTime(deps.clock.now()),
    expiresAt: input.expiresAt,
    lastUsedAt: null,
    revokedAt: null,
  };
  await repo.insertApiToken(trx, token, sha256Hex(secret), input.actor.userId);
  await deps.audit.record(trx, {
    actor: input.actor,
    action: 'api_token.created',
    subject: { type: 'api_token', id: token.id },
    data: { userId: token.userId, name: token.name, scopes: token.scopes, prefix: token.prefix },
  });
  return { token, secret };
};
