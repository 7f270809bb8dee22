// What a signed-in user may see, from GET /me: the navigation and the route guards both ask here, so a link
// is never shown for a page the API would refuse.

import type { Me } from '../features/auth/api/get-me.js';

export interface Roles {
  /** Admin of the root (vendor) group: the vendor pages and everything else. */
  isIsvAdmin: boolean;
  /** Admin of some group: users and groups below it, its audit entries and reports. */
  isGroupAdmin: boolean;
  /** Member or admin of a group below the vendor: the customer pages. */
  isCustomer: boolean;
  adminGroupIds: string[];
}

export const rolesOf = (me: Me): Roles => {
  const adminGroupIds = me.memberships.filter((m) => m.role === 'admin').map((m) => m.groupId);
  return {
    isIsvAdmin: me.isIsvAdmin,
    isGroupAdmin: adminGroupIds.length > 0,
    isCustomer: !me.isIsvAdmin && me.memberships.length > 0,
    adminGroupIds,
  };
};

export type Permission = 'vendor' | 'customer' | 'groupAdmin' | 'signedIn';

export const allows = (roles: Roles, permission: Permission): boolean => {
  switch (permission) {
    case 'vendor':
      return roles.isIsvAdmin;
    case 'customer':
      return roles.isCustomer;
    case 'groupAdmin':
      return roles.isIsvAdmin || roles.isGroupAdmin;
    case 'signedIn':
      return true;
  }
};
