// Who may order and who sees which ticket — the authorization rules of the orders module, built on the
// accounts policy (group tree, admins, ISV admins). Pure; repositories apply the same rules in SQL.

import { isIsvAdmin, managedPaths, type Principal } from '../accounts/policy.js';

/** What a ticket visibility decision needs to know about the ticket. */
export interface TicketAccess {
  groupId: string;
  groupPath: string;
  /** Allocated to a named user (that user always sees it). */
  userId: string | null;
  /** Whether plain members of the group see it. */
  visibleToMembers: boolean;
}

/**
 * ISV admins see every ticket; admins of the ticket's group or of a group above it see its tickets; members of
 * the group see it when it is visible to members or allocated to them; the named user always sees it.
 */
export const canSeeTicket = (principal: Principal, ticket: TicketAccess): boolean => {
  if (isIsvAdmin(principal)) return true;
  if (ticket.userId !== null && ticket.userId === principal.user.id) return true;
  if (managedPaths(principal).some((path) => ticket.groupPath.startsWith(path))) return true;
  return ticket.visibleToMembers && principal.memberships.some((m) => m.groupId === ticket.groupId);
};

/** Re-allocating a ticket is for admins of its group (or above). */
export const canManageTicket = (principal: Principal, ticket: TicketAccess): boolean =>
  isIsvAdmin(principal) || managedPaths(principal).some((path) => ticket.groupPath.startsWith(path));

/**
 * Ordering: ISV admins for any group, admins of a reseller group for the groups in its subtree
 * (`resellerAdminPaths` are the paths of the reseller groups the principal administers); nobody else.
 */
export const canOrderFor = (
  principal: Principal,
  resellerAdminPaths: readonly string[],
  customer: { path: string },
): boolean => isIsvAdmin(principal) || resellerAdminPaths.some((path) => customer.path.startsWith(path));

/** Ids of the groups the principal administers (candidates for reseller groups). */
export const adminGroupIds = (principal: Principal): string[] =>
  principal.memberships.filter((m) => m.role === 'admin').map((m) => m.groupId);
