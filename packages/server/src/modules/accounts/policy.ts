// Who may see and change what: the one place authorization rules live. Groups form a tree stored as
// materialized paths (`/rootId/childId/`); an admin manages its group and every group below it, root-group
// admins (ISV admins) manage everything, members see their own groups. Token scopes narrow a user's rights,
// never widen them. Everything here is pure; queries use groupVisibility() to filter in SQL.

import { TesseraError } from '@tessera/core';
import type { Role } from '../../db/schema.js';

/** Scopes an API token can carry. Later modules append theirs (e.g. `connector`) with what they imply. */
export const SCOPES = ['read', 'write', 'admin', 'connector'] as const;
export type Scope = (typeof SCOPES)[number];

/** A scope also grants the scopes listed here: admin ⊇ write ⊇ read. */
export const IMPLIED_SCOPES: Record<Scope, readonly Scope[]> = {
  read: [],
  write: ['read'],
  admin: ['write', 'read'],
  // Only for the generic connector (orders by URL); implies nothing, and nothing (not even admin) implies it.
  connector: [],
};

export const expandScopes = (scopes: readonly Scope[]): Scope[] => {
  const all = new Set<Scope>();
  for (const scope of scopes) {
    all.add(scope);
    for (const implied of IMPLIED_SCOPES[scope] ?? []) all.add(implied);
  }
  return SCOPES.filter((scope) => all.has(scope));
};

export interface PrincipalMembership {
  groupId: string;
  groupPath: string;
  groupName: string;
  role: Role;
  /** True for the root (vendor) group. */
  isRoot: boolean;
}

export interface Principal {
  user: { id: string; email: string; name: string };
  via: 'session' | 'token';
  /** Effective scopes (implications expanded). A session carries every scope. */
  scopes: readonly Scope[];
  tokenId?: string;
  sessionId?: string;
  memberships: readonly PrincipalMembership[];
}

export interface GroupRef {
  id: string;
  path: string;
}

export const hasScope = (principal: Principal, scope: Scope): boolean => principal.scopes.includes(scope);

export const requireScope = (principal: Principal, scope: Scope): void => {
  if (!hasScope(principal, scope)) {
    throw new TesseraError('insufficient_scope', `This API token lacks the "${scope}" scope.`, { scope });
  }
};

export const isIsvAdmin = (principal: Principal): boolean =>
  principal.memberships.some((m) => m.isRoot && m.role === 'admin');

/** Paths of the subtrees the principal administers. */
export const managedPaths = (principal: Principal): string[] =>
  principal.memberships.filter((m) => m.role === 'admin').map((m) => m.groupPath);

export const canManageGroup = (principal: Principal, group: Pick<GroupRef, 'path'>): boolean =>
  managedPaths(principal).some((path) => group.path.startsWith(path));

export const canSeeGroup = (principal: Principal, group: GroupRef): boolean =>
  canManageGroup(principal, group) || principal.memberships.some((m) => m.groupId === group.id);

/** True if the principal administers at least one group. */
export const isAnyAdmin = (principal: Principal): boolean =>
  principal.memberships.some((m) => m.role === 'admin');

/**
 * Which groups a principal can see, in a form repositories turn into SQL: everything, or the subtrees it
 * administers plus the single groups it is a member of.
 */
export type GroupVisibility = { all: true } | { all: false; subtreePaths: string[]; groupIds: string[] };

export const groupVisibility = (principal: Principal): GroupVisibility => {
  if (isIsvAdmin(principal)) return { all: true };
  return {
    all: false,
    subtreePaths: managedPaths(principal),
    groupIds: principal.memberships.filter((m) => m.role === 'member').map((m) => m.groupId),
  };
};

/** The same, restricted to what the principal administers (for admin-only lists such as invitations). */
export const managedVisibility = (principal: Principal): GroupVisibility =>
  isIsvAdmin(principal) ? { all: true } : { all: false, subtreePaths: managedPaths(principal), groupIds: [] };

/**
 * A user's account (name, status) may be changed by ISV admins, and by an admin who manages every group the
 * user belongs to — so one customer's admin cannot lock out a person who also works for another customer.
 */
export const canManageUser = (principal: Principal, userGroupPaths: readonly string[]): boolean =>
  isIsvAdmin(principal) ||
  (userGroupPaths.length > 0 && userGroupPaths.every((path) => canManageGroup(principal, { path })));

/** Raised where the caller must not learn whether the object exists. */
export const notFound = (what: 'group' | 'user' | 'membership' | 'invitation' | 'api_token', id: string) =>
  new TesseraError(
    `${what}_not_found`,
    `No ${what.replace('_', ' ')} with id ${id} exists or is visible to you.`,
  );

export const forbidden = (detail: string) => new TesseraError('forbidden', detail);
