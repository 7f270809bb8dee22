// The navigation: every page a role may open, in the order the sidebar shows them. Route guards use the same
// permissions, so a hidden link is also a refused page.

import {
  type Icon,
  IconBox,
  IconChartBar,
  IconCpu,
  IconFileCertificate,
  IconHistory,
  IconKey,
  IconPackage,
  IconReceipt,
  IconSettings,
  IconTicket,
  IconUsersGroup,
  IconWebhook,
} from '@tabler/icons-react';
import type { Permission } from './roles.js';

export interface NavItem {
  to: string;
  label: string;
  icon: Icon;
  permission: Permission;
}

export interface NavSection {
  label: string;
  items: NavItem[];
}

export const NAVIGATION: NavSection[] = [
  {
    label: 'Licensing',
    items: [
      { to: '/tickets', label: 'Tickets', icon: IconTicket, permission: 'vendor' },
      { to: '/orders', label: 'Orders', icon: IconReceipt, permission: 'vendor' },
      { to: '/products', label: 'Products', icon: IconPackage, permission: 'vendor' },
      { to: '/firm-codes', label: 'Firm codes', icon: IconFileCertificate, permission: 'vendor' },
      { to: '/containers', label: 'Containers', icon: IconCpu, permission: 'vendor' },
      { to: '/settings', label: 'Settings', icon: IconSettings, permission: 'vendor' },
    ],
  },
  {
    label: 'My licenses',
    items: [{ to: '/my-tickets', label: 'My tickets', icon: IconBox, permission: 'customer' }],
  },
  {
    label: 'Insight',
    items: [{ to: '/reports', label: 'Reports', icon: IconChartBar, permission: 'groupAdmin' }],
  },
  {
    label: 'Administration',
    items: [
      { to: '/admin/groups', label: 'Users and groups', icon: IconUsersGroup, permission: 'groupAdmin' },
      { to: '/admin/api-tokens', label: 'API tokens', icon: IconKey, permission: 'signedIn' },
      { to: '/admin/webhooks', label: 'Webhooks', icon: IconWebhook, permission: 'vendor' },
      { to: '/admin/audit', label: 'Audit log', icon: IconHistory, permission: 'groupAdmin' },
    ],
  },
];
