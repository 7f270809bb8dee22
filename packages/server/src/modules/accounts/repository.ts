// Kysely queries of the accounts module, written once for SQLite and PostgreSQL. Every function takes the
// executor (database or transaction) from its caller and never opens a transaction itself. Rows are mapped to
// camelCase records here; secrets (password and token hashes) only leave through the functions named for them.

import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { GroupKind, Role, UserStatus } from '../../db/schema.js';
import type { Executor } from '../../db/transaction.js';
import type { PageRequest } from '../../http/pagination.js';
import type { GroupVisibility, PrincipalMembership, Scope } from './policy.js';

export interface Group {
  id: string;
  parentId: string | null;
  path: string;
  name: string;
  kind: GroupKind;
  /** The customer number an ERP or shop knows the group by (the connector's `customerid`); unique. */
  externalId?: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface User {
  id: string;
  email: string;
  name: string;
  status: UserStatus;
  createdAt: string;
  updatedAt: string;
}

export interface Membership {
  id: string;
  userId: string;
  groupId: string;
  groupPath: string;
  role: Role;
  createdAt: string;
  updatedAt: string;
}

export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface Invitation {
  id: string;
  groupId: string;
  groupPath: string;
  email: string;
  role: Role;
  invitedBy: string | null;
  createdAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  acceptedUserId: string | null;
  revokedAt: string | null;
}

/** SQL condition "this group row is visible", for queries that join `groups`. */
export const visibilityCondition = (
  visibility: GroupVisibility,
  pathColumn = 'groups.path',
  idColumn = 'groups.id',
): RawBuilder<SqlBool> => {
  if (visibility.all) return sql<SqlBool>`1 = 1`;
  const conditions = [
    ...visibility.subtreePaths.map((path) => sql`${sql.ref(pathColumn)} like ${`${path}%`}`),
    ...(visibility.groupIds.length > 0
      ? [sql`${sql.ref(idColumn)} in (${sql.join(visibility.groupIds)})`]
      : []),
  ];
  return conditions.length === 0 ? sql<SqlBool>`1 = 0` : sql<SqlBool>`(${sql.join(conditions, sql` or `)})`;
};

/** Ids of every group a visibility covers ('all' for ISV admins), for modules that filter by group id lists. */
export const visibleGroupIds = async (
  ex: Executor,
  visibility: GroupVisibility,
): Promise<'all' | string[]> => {
  if (visibility.all) return 'all';
  const rows = await ex
    .selectFrom('groups')
    .select('id')
    .where(visibilityCondition(visibility))
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
};

// ——— groups ———

const groupColumns = [
  'id',
  'parent_id',
  'path',
  'name',
  'kind',
  'external_id',
  'created_at',
  'updated_at',
] as const;

const toGroup = (row: {
  id: string;
  parent_id: string | null;
  path: string;
  name: string;
  kind: GroupKind;
  external_id: string | null;
  created_at: string;
  updated_at: string;
}): Group => ({
  id: row.id,
  parentId: row.parent_id,
  path: row.path,
  name: row.name,
  kind: row.kind,
  externalId: row.external_id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const findGroup = async (ex: Executor, id: string): Promise<Group | undefined> => {
  const row = await ex.selectFrom('groups').select(groupColumns).where('id', '=', id).executeTakeFirst();
  return row && toGroup(row);
};

export const findRootGroup = async (ex: Executor): Promise<Group | undefined> => {
  const row = await ex
    .selectFrom('groups')
    .select(groupColumns)
    .where('parent_id', 'is', null)
    .executeTakeFirst();
  return row && toGroup(row);
};

export const insertGroup = async (ex: Executor, group: Group): Promise<void> => {
  await ex
    .insertInto('groups')
    .values({
      id: group.id,
      parent_id: group.parentId,
      path: group.path,
      name: group.name,
      kind: group.kind,
      external_id: group.externalId ?? null,
      created_at: group.createdAt,
      updated_at: group.updatedAt,
    })
    .execute();
};

export const listGroups = async (
  ex: Executor,
  filter: { visibility: GroupVisibility; parentId?: string | undefined },
  page: PageRequest,
): Promise<Group[]> => {
  let query = ex
    .selectFrom('groups')
    .select(groupColumns)
    .where(visibilityCondition(filter.visibility))
    .orderBy('id')
    .limit(page.limit + 1);
  if (filter.parentId !== undefined) query = query.where('parent_id', '=', filter.parentId);
  if (page.after !== undefined) query = query.where('id', '>', page.after);
  return (await query.execute()).map(toGroup);
};

export const renameGroup = async (ex: Executor, id: string, name: string, now: string): Promise<boolean> => {
  const result = await ex
    .updateTable('groups')
    .set({ name, updated_at: now })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};

export const setGroupExternalId = async (
  ex: Executor,
  id: string,
  externalId: string | null,
  now: string,
): Promise<boolean> => {
  const result = await ex
    .updateTable('groups')
    .set({ external_id: externalId, updated_at: now })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};

export const findGroupByExternalId = async (ex: Executor, externalId: string): Promise<Group | undefined> => {
  const row = await ex
    .selectFrom('groups')
    .select(groupColumns)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
  return row && toGroup(row);
};

/**
 * Takes the row lock of a group for the rest of the transaction (a no-op update works as SELECT … FOR UPDATE
 * on PostgreSQL and is harmless on SQLite, where a writing transaction is exclusive anyway).
 */
export const lockGroup = async (ex: Executor, id: string): Promise<void> => {
  await ex
    .updateTable('groups')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('id', '=', id)
    .execute();
};

/** Deletes a non-root group without subgroups or members; false when it was not empty (or is gone). */
export const deleteEmptyGroup = async (ex: Executor, id: string): Promise<boolean> => {
  const result = await ex
    .deleteFrom('groups')
    .where('id', '=', id)
    .where('parent_id', 'is not', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('groups as child').select('child.id').whereRef('child.parent_id', '=', 'groups.id'),
        ),
      ),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('memberships')
            .select('memberships.id')
            .whereRef('memberships.group_id', '=', 'groups.id'),
        ),
      ),
    )
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
};

// ——— users ———

const userColumns = [
  'users.id',
  'users.email',
  'users.name',
  'users.status',
  'users.created_at',
  'users.updated_at',
] as const;

const toUser = (row: {
  id: string;
  email: string;
  name: string;
  status: UserStatus;
  created_at: string;
  updated_at: string;
}): User => ({
  id: row.id,
  email: row.email,
  name: row.name,
  status: row.status,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const findUser = async (ex: Executor, id: string): Promise<User | undefined> => {
  const row = await ex.selectFrom('users').select(userColumns).where('users.id', '=', id).executeTakeFirst();
  return row && toUser(row);
};

export const findUserCredentialsByEmail = async (
  ex: Executor,
  email: string,
): Promise<(User & { passwordHash: string | null }) | undefined> => {
  const row = await ex
    .selectFrom('users')
    .select([...userColumns, 'users.password_hash'])
    .where('users.email', '=', email.toLowerCase())
    .executeTakeFirst();
  return row && { ...toUser(row), passwordHash: row.password_hash };
};

export const findPasswordHash = async (ex: Executor, userId: string): Promise<string | null> => {
  const row = await ex
    .selectFrom('users')
    .select('password_hash')
    .where('id', '=', userId)
    .executeTakeFirst();
  return row?.password_hash ?? null;
};

export const insertUser = async (ex: Executor, user: User, passwordHash: string | null): Promise<void> => {
  await ex
    .insertInto('users')
    .values({
      id: user.id,
      email: user.email,
      name: user.name,
      password_hash: passwordHash,
      status: user.status,
      created_at: user.createdAt,
      updated_at: user.updatedAt,
    })
    .execute();
};

export const listUsers = async (
  ex: Executor,
  filter: { visibility: GroupVisibility; selfId: string; groupId?: string | undefined },
  page: PageRequest,
): Promise<User[]> => {
  let query = ex
    .selectFrom('users')
    .select(userColumns)
    .where((eb) =>
      eb.or([
        eb('users.id', '=', filter.selfId),
        eb.exists(
          eb
            .selectFrom('memberships')
            .innerJoin('groups', 'groups.id', 'memberships.group_id')
            .select('memberships.id')
            .whereRef('memberships.user_id', '=', 'users.id')
            .where(visibilityCondition(filter.visibility)),
        ),
      ]),
    )
    .orderBy('users.id')
    .limit(page.limit + 1);
  if (filter.groupId !== undefined) {
    const groupId = filter.groupId;
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('memberships')
          .select('memberships.id')
          .whereRef('memberships.user_id', '=', 'users.id')
          .where('memberships.group_id', '=', groupId),
      ),
    );
  }
  if (page.after !== undefined) query = query.where('users.id', '>', page.after);
  return (await query.execute()).map(toUser);
};

export const updateUserName = async (
  ex: Executor,
  id: string,
  name: string,
  now: string,
): Promise<boolean> => {
  const result = await ex
    .updateTable('users')
    .set({ name, updated_at: now })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};

/** Conditional status change; false when the user was not in the `from` state. */
export const changeUserStatus = async (
  ex: Executor,
  id: string,
  from: UserStatus,
  to: UserStatus,
  now: string,
): Promise<boolean> => {
  const result = await ex
    .updateTable('users')
    .set({ status: to, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', from)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};

export const setPasswordHash = async (ex: Executor, id: string, hash: string, now: string): Promise<void> => {
  await ex.updateTable('users').set({ password_hash: hash, updated_at: now }).where('id', '=', id).execute();
};

// ——— memberships ———

const membershipColumns = [
  'memberships.id',
  'memberships.user_id',
  'memberships.group_id',
  'groups.path',
  'memberships.role',
  'memberships.created_at',
  'memberships.updated_at',
] as const;

const toMembership = (row: {
  id: string;
  user_id: string;
  group_id: string;
  path: string;
  role: Role;
  created_at: string;
  updated_at: string;
}): Membership => ({
  id: row.id,
  userId: row.user_id,
  groupId: row.group_id,
  groupPath: row.path,
  role: row.role,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export const findMembership = async (ex: Executor, id: string): Promise<Membership | undefined> => {
  const row = await ex
    .selectFrom('memberships')
    .innerJoin('groups', 'groups.id', 'memberships.group_id')
    .select(membershipColumns)
    .where('memberships.id', '=', id)
    .executeTakeFirst();
  return row && toMembership(row);
};

export const findMembershipOf = async (
  ex: Executor,
  userId: string,
  groupId: string,
): Promise<Membership | undefined> => {
  const row = await ex
    .selectFrom('memberships')
    .innerJoin('groups', 'groups.id', 'memberships.group_id')
    .select(membershipColumns)
    .where('memberships.user_id', '=', userId)
    .where('memberships.group_id', '=', groupId)
    .executeTakeFirst();
  return row && toMembership(row);
};

export const membershipsOfUser = async (ex: Executor, userId: string): Promise<Membership[]> =>
  (
    await ex
      .selectFrom('memberships')
      .innerJoin('groups', 'groups.id', 'memberships.group_id')
      .select(membershipColumns)
      .where('memberships.user_id', '=', userId)
      .orderBy('memberships.id')
      .execute()
  ).map(toMembership);

/** A user's memberships in the shape authorization needs. */
export const principalMemberships = async (ex: Executor, userId: string): Promise<PrincipalMembership[]> => {
  const rows = await ex
    .selectFrom('memberships')
    .innerJoin('groups', 'groups.id', 'memberships.group_id')
    .select(['groups.id', 'groups.path', 'groups.name', 'groups.parent_id', 'memberships.role'])
    .where('memberships.user_id', '=', userId)
    .orderBy('groups.path')
    .execute();
  return rows.map((row) => ({
    groupId: row.id,
    groupPath: row.path,
    groupName: row.name,
    role: row.role,
    isRoot: row.parent_id === null,
  }));
};

export const insertMembership = async (
  ex: Executor,
  membership: Omit<Membership, 'groupPath'>,
): Promise<void> => {
  await ex
    .insertInto('memberships')
    .values({
      id: membership.id,
      user_id: membership.userId,
      group_id: membership.groupId,
      role: membership.role,
      created_at: membership.createdAt,
      updated_at: membership.updatedAt,
    })
    .execute();
};

export const listMemberships = async (
  ex: Executor,
  filter: { visibility: GroupVisibility; groupId?: string | undefined; userId?: string | undefined },
  page: PageRequest,
): Promise<Membership[]> => {
  let query = ex
    .selectFrom('memberships')
    .innerJoin('groups', 'groups.id', 'memberships.group_id')
    .select(membershipColumns)
    .where(visibilityCondition(filter.visibility))
    .orderBy('memberships.id')
    .limit(page.limit + 1);
  if (filter.groupId !== undefined) query = query.where('memberships.group_id', '=', filter.groupId);
  if (filter.userId !== undefined) query = query.where('memberships.user_id', '=', filter.userId);
  if (page.after !== undefined) query = query.where('memberships.id', '>', page.after);
  return (await query.execute()).map(toMembership);
};

export const changeMembershipRole = async (
  ex: Executor,
  id: string,
  role: Role,
  now: string,
): Promise<boolean> => {
  const result = await ex
    .updateTable('memberships')
    .set({ role, updated_at: now })
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};

export const deleteMembership = async (ex: Executor, id: string): Promise<boolean> => {
  const result = await ex.deleteFrom('memberships').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
};

/** Active admins of the root group, optionally not counting one user. */
export const countIsvAdmins = async (
  ex: Executor,
  rootGroupId: string,
  exceptUserId?: string,
): Promise<number> => {
  let query = ex
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('memberships.group_id', '=', rootGroupId)
    .where('memberships.role', '=', 'admin')
    .where('users.status', '=', 'active');
  if (exceptUserId !== undefined) query = query.where('users.id', '!=', exceptUserId);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.count);
};

// ——— sessions ———

export interface SessionRecord {
  id: string;
  userId: string;
  secretHash: string;
  createdAt: string;
  lastSeenAt: string;
  idleExpiresAt: string;
  expiresAt: string;
  clientAddress: string | null;
  userAgent: string | null;
}

export const insertSession = async (ex: Executor, session: SessionRecord): Promise<void> => {
  await ex
    .insertInto('sessions')
    .values({
      id: session.id,
      user_id: session.userId,
      secret_hash: session.secretHash,
      created_at: session.createdAt,
      last_seen_at: session.lastSeenAt,
      idle_expires_at: session.idleExpiresAt,
      expires_at: session.expiresAt,
      client_address: session.clientAddress,
      user_agent: session.userAgent,
    })
    .execute();
};

/** The live session with this secret hash, with its (active) user; expired sessions are not returned. */
export const findLiveSession = async (
  ex: Executor,
  secretHash: string,
  now: string,
): Promise<{ session: SessionRecord; user: User } | undefined> => {
  const row = await ex
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      ...userColumns,
      'sessions.id as session_id',
      'sessions.secret_hash',
      'sessions.created_at as session_created_at',
      'sessions.last_seen_at',
      'sessions.idle_expires_at',
      'sessions.expires_at',
      'sessions.client_address',
      'sessions.user_agent',
    ])
    .where('sessions.secret_hash', '=', secretHash)
    .where('sessions.idle_expires_at', '>', now)
    .where('sessions.expires_at', '>', now)
    .where('users.status', '=', 'active')
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    user: toUser(row),
    session: {
      id: row.session_id,
      userId: row.id,
      secretHash: row.secret_hash,
      createdAt: row.session_created_at,
      lastSeenAt: row.last_seen_at,
      idleExpiresAt: row.idle_expires_at,
      expiresAt: row.expires_at,
      clientAddress: row.client_address,
      userAgent: row.user_agent,
    },
  };
};

export const touchSession = async (
  ex: Executor,
  id: string,
  now: string,
  idleExpiresAt: string,
): Promise<void> => {
  await ex
    .updateTable('sessions')
    .set({ last_seen_at: now, idle_expires_at: idleExpiresAt })
    .where('id', '=', id)
    .execute();
};

export const deleteSession = async (ex: Executor, id: string): Promise<boolean> => {
  const result = await ex.deleteFrom('sessions').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
};

export const deleteSessionsOfUser = async (
  ex: Executor,
  userId: string,
  exceptSessionId?: string,
): Promise<void> => {
  let query = ex.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptSessionId !== undefined) query = query.where('id', '!=', exceptSessionId);
  await query.execute();
};

export const deleteExpiredSessions = async (ex: Executor, now: string): Promise<number> => {
  const result = await ex
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('idle_expires_at', '<=', now), eb('expires_at', '<=', now)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
};

// ——— API tokens ———

const tokenColumns = [
  'api_tokens.id',
  'api_tokens.user_id',
  'api_tokens.name',
  'api_tokens.prefix',
  'api_tokens.scopes',
  'api_tokens.created_at',
  'api_tokens.expires_at',
  'api_tokens.last_used_at',
  'api_tokens.revoked_at',
] as const;

const toApiToken = (row: {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  scopes: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}): ApiToken => ({
  id: row.id,
  userId: row.user_id,
  name: row.name,
  prefix: row.prefix,
  scopes: JSON.parse(row.scopes) as Scope[],
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

export const insertApiToken = async (
  ex: Executor,
  token: ApiToken,
  secretHash: string,
  createdBy: string | null,
): Promise<void> => {
  await ex
    .insertInto('api_tokens')
    .values({
      id: token.id,
      user_id: token.userId,
      name: token.name,
      prefix: token.prefix,
      secret_hash: secretHash,
      scopes: JSON.stringify(token.scopes),
      created_by: createdBy,
      created_at: token.createdAt,
      expires_at: token.expiresAt,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
};

export const findApiToken = async (ex: Executor, id: string): Promise<ApiToken | undefined> => {
  const row = await ex
    .selectFrom('api_tokens')
    .select(tokenColumns)
    .where('api_tokens.id', '=', id)
    .executeTakeFirst();
  return row && toApiToken(row);
};

/** The usable token with this secret hash (not revoked, not expired) and its active user. */
export const findUsableApiToken = async (
  ex: Executor,
  secretHash: string,
  now: string,
): Promise<{ token: ApiToken; user: User } | undefined> => {
  const row = await ex
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select([
      ...userColumns,
      'api_tokens.id as token_id',
      'api_tokens.name as token_name',
      'api_tokens.prefix',
      'api_tokens.scopes',
      'api_tokens.created_at as token_created_at',
      'api_tokens.expires_at',
      'api_tokens.last_used_at',
      'api_tokens.revoked_at',
    ])
    .where('api_tokens.secret_hash', '=', secretHash)
    .where('api_tokens.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('api_tokens.expires_at', 'is', null), eb('api_tokens.expires_at', '>', now)]))
    .where('users.status', '=', 'active')
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    user: toUser(row),
    token: toApiToken({
      id: row.token_id,
      user_id: row.id,
      name: row.token_name,
      prefix: row.prefix,
      scopes: row.scopes,
      created_at: row.token_created_at,
      expires_at: row.expires_at,
      last_used_at: row.last_used_at,
      revoked_at: row.revoked_at,
    }),
  };
};

export const touchApiToken = async (ex: Executor, id: string, now: string): Promise<void> => {
  await ex.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
};

export const listApiTokens = async (
  ex: Executor,
  filter: { userId?: string | undefined; ownerVisibility?: GroupVisibility; includeRevoked: boolean },
  page: PageRequest,
): Promise<ApiToken[]> => {
  let query = ex
    .selectFrom('api_tokens')
    .select(tokenColumns)
    .orderBy('api_tokens.id')
    .limit(page.limit + 1);
  if (filter.userId !== undefined) query = query.where('api_tokens.user_id', '=', filter.userId);
  const visibility = filter.ownerVisibility;
  if (visibility !== undefined && !visibility.all) {
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('memberships')
          .innerJoin('groups', 'groups.id', 'memberships.group_id')
          .select('memberships.id')
          .whereRef('memberships.user_id', '=', 'api_tokens.user_id')
          .where(visibilityCondition(visibility)),
      ),
    );
  }
  if (!filter.includeRevoked) query = query.where('api_tokens.revoked_at', 'is', null);
  if (page.after !== undefined) query = query.where('api_tokens.id', '>', page.after);
  return (await query.execute()).map(toApiToken);
};

export const revokeApiToken = async (ex: Executor, id: string, now: string): Promise<boolean> => {
  const result = await ex
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};

// ——— invitations ———

const invitationColumns = [
  'invitations.id',
  'invitations.group_id',
  'groups.path',
  'invitations.email',
  'invitations.role',
  'invitations.invited_by',
  'invitations.created_at',
  'invitations.expires_at',
  'invitations.accepted_at',
  'invitations.accepted_user_id',
  'invitations.revoked_at',
] as const;

const toInvitation = (row: {
  id: string;
  group_id: string;
  path: string;
  email: string;
  role: Role;
  invited_by: string | null;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_user_id: string | null;
  revoked_at: string | null;
}): Invitation => ({
  id: row.id,
  groupId: row.group_id,
  groupPath: row.path,
  email: row.email,
  role: row.role,
  invitedBy: row.invited_by,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  acceptedAt: row.accepted_at,
  acceptedUserId: row.accepted_user_id,
  revokedAt: row.revoked_at,
});

export const insertInvitation = async (
  ex: Executor,
  invitation: Omit<Invitation, 'groupPath'>,
  secretHash: string,
): Promise<void> => {
  await ex
    .insertInto('invitations')
    .values({
      id: invitation.id,
      group_id: invitation.groupId,
      email: invitation.email,
      role: invitation.role,
      secret_hash: secretHash,
      invited_by: invitation.invitedBy,
      created_at: invitation.createdAt,
      expires_at: invitation.expiresAt,
      accepted_at: null,
      accepted_user_id: null,
      revoked_at: null,
    })
    .execute();
};

export const findInvitation = async (ex: Executor, id: string): Promise<Invitation | undefined> => {
  const row = await ex
    .selectFrom('invitations')
    .innerJoin('groups', 'groups.id', 'invitations.group_id')
    .select(invitationColumns)
    .where('invitations.id', '=', id)
    .executeTakeFirst();
  return row && toInvitation(row);
};

export const findInvitationBySecret = async (
  ex: Executor,
  secretHash: string,
): Promise<Invitation | undefined> => {
  const row = await ex
    .selectFrom('invitations')
    .innerJoin('groups', 'groups.id', 'invitations.group_id')
    .select(invitationColumns)
    .where('invitations.secret_hash', '=', secretHash)
    .executeTakeFirst();
  return row && toInvitation(row);
};

export const listPendingInvitations = async (
  ex: Executor,
  filter: { visibility: GroupVisibility; groupId?: string | undefined; now: string },
  page: PageRequest,
): Promise<Invitation[]> => {
  let query = ex
    .selectFrom('invitations')
    .innerJoin('groups', 'groups.id', 'invitations.group_id')
    .select(invitationColumns)
    .where(visibilityCondition(filter.visibility))
    .where('invitations.accepted_at', 'is', null)
    .where('invitations.revoked_at', 'is', null)
    .where('invitations.expires_at', '>', filter.now)
    .orderBy('invitations.id')
    .limit(page.limit + 1);
  if (filter.groupId !== undefined) query = query.where('invitations.group_id', '=', filter.groupId);
  if (page.after !== undefined) query = query.where('invitations.id', '>', page.after);
  return (await query.execute()).map(toInvitation);
};

export const deleteInvitationsOfGroup = async (ex: Executor, groupId: string): Promise<void> => {
  await ex.deleteFrom('invitations').where('group_id', '=', groupId).execute();
};

export const revokeInvitation = async (ex: Executor, id: string, now: string): Promise<boolean> => {
  const result = await ex
    .updateTable('invitations')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};

/** Marks a pending, unexpired invitation accepted; false if someone else used, revoked or it expired. */
export const markInvitationAccepted = async (
  ex: Executor,
  id: string,
  userId: string,
  now: string,
): Promise<boolean> => {
  const result = await ex
    .updateTable('invitations')
    .set({ accepted_at: now, accepted_user_id: userId })
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
};

// ——— login back-off ———

export interface LoginAttempts {
  failures: number;
  windowStartedAt: string;
  lockedUntil: string | null;
}

export const findLoginAttempts = async (
  ex: Executor,
  keys: string[],
): Promise<Map<string, LoginAttempts>> => {
  const rows = await ex
    .selectFrom('login_attempts')
    .select(['key', 'failures', 'window_started_at', 'locked_until'])
    .where('key', 'in', keys)
    .execute();
  return new Map(
    rows.map((row) => [
      row.key,
      {
        failures: Number(row.failures),
        windowStartedAt: row.window_started_at,
        lockedUntil: row.locked_until,
      },
    ]),
  );
};

/**
 * Counts one failure atomically (insert or increment in one statement, so concurrent instances never lose a
 * count). Returns the failures counted since the last quiet period.
 */
export const countLoginFailure = async (
  ex: Executor,
  key: string,
  now: string,
  windowStart: string,
): Promise<number> => {
  // A quiet period (no failure and no lock within the window) starts the count afresh.
  await ex
    .updateTable('login_attempts')
    .set({ failures: 0, window_started_at: now, locked_until: null })
    .where('key', '=', key)
    .where('updated_at', '<', windowStart)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', windowStart)]))
    .execute();
  const row = await ex
    .insertInto('login_attempts')
    .values({ key, failures: 1, window_started_at: now, locked_until: null, updated_at: now })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet((eb) => ({ failures: eb('login_attempts.failures', '+', 1), updated_at: now })),
    )
    .returning('failures')
    .executeTakeFirstOrThrow();
  return Number(row.failures);
};

export const lockLogin = async (ex: Executor, key: string, until: string): Promise<void> => {
  await ex.updateTable('login_attempts').set({ locked_until: until }).where('key', '=', key).execute();
};

export const clearLoginAttempts = async (ex: Executor, key: string): Promise<void> => {
  await ex.deleteFrom('login_attempts').where('key', '=', key).execute();
};
