// Demo data for a first start with TESSERA_DEMO on: a reseller with a customer below it and three people.
// seedDemoData is the extension point: later modules (catalog: firm code and products; orders: tickets)
// add their demo rows by calling their own seeding functions from here, inside the same transaction.

import type { Clock } from '@tessera/core';
import type { Trx } from '../db/transaction.js';
import { isoTime, newId } from '../db/transaction.js';
import { hashPassword } from '../modules/accounts/passwords.js';
import { SCOPES } from '../modules/accounts/policy.js';
import type { Group, User } from '../modules/accounts/repository.js';
import * as accounts from '../modules/accounts/repository.js';
import { generatePassword, type Random } from '../modules/accounts/secrets.js';
import type { Caller } from '../modules/accounts/service.js';
import { type AuditLog, SYSTEM_ACTOR } from '../modules/audit/service.js';
import { seedDemoCatalog } from '../modules/catalog/demo.js';
import type { MasterKeys } from '../modules/catalog/master-key.js';
import { createEventSink } from '../modules/events/service.js';
import { seedDemoOrder } from '../modules/orders/demo.js';

export interface DemoPeople {
  password: string;
  passwordHash: string;
}

/** One generated password for all demo users, hashed before the bootstrap transaction opens. */
export const prepareDemoPeople = async (random: Random): Promise<DemoPeople> => {
  const password = generatePassword(random);
  return { password, passwordHash: await hashPassword(password, random) };
};

export interface DemoContext {
  clock: Clock;
  audit: AuditLog;
  rootGroup: Group;
  isvAdmin: User;
  people: DemoPeople;
  random: Random;
  masterKeys: MasterKeys;
}

export interface DemoSummary {
  groups: { name: string; kind: string }[];
  users: { email: string; role: string; group: string }[];
  password: string;
  firmCode: number;
  products: string[];
  /** Ticket codes of the demo order, in display form. */
  tickets: string[];
}

/** The demo customer's number for ERPs and the generic connector (`customerid`). */
export const DEMO_CUSTOMER_EXTERNAL_ID = 'CONTOSO-001';

export const DEMO_RESELLER = 'Northwind Resellers';
export const DEMO_CUSTOMER = 'Contoso Engineering';

export const seedDemoData = async (trx: Trx, context: DemoContext): Promise<DemoSummary> => {
  const at = isoTime(context.clock.now());
  const addGroup = async (
    parent: Group,
    name: string,
    kind: Group['kind'],
    externalId: string | null = null,
  ): Promise<Group> => {
    const id = newId();
    const group: Group = {
      id,
      parentId: parent.id,
      path: `${parent.path}${id}/`,
      name,
      kind,
      externalId,
      createdAt: at,
      updatedAt: at,
    };
    await accounts.insertGroup(trx, group);
    return group;
  };
  const addPerson = async (email: string, name: string, group: Group, role: 'admin' | 'member') => {
    const user: User = { id: newId(), email, name, status: 'active', createdAt: at, updatedAt: at };
    await accounts.insertUser(trx, user, context.people.passwordHash);
    await accounts.insertMembership(trx, {
      id: newId(),
      userId: user.id,
      groupId: group.id,
      role,
      createdAt: at,
      updatedAt: at,
    });
    return { email, role, group: group.name };
  };

  const reseller = await addGroup(context.rootGroup, DEMO_RESELLER, 'reseller');
  const customer = await addGroup(reseller, DEMO_CUSTOMER, 'customer', DEMO_CUSTOMER_EXTERNAL_ID);
  const users = [
    await addPerson('reseller.admin@northwind.example', 'Nora Reseller', reseller, 'admin'),
    await addPerson('admin@contoso.example', 'Carl Customer-Admin', customer, 'admin'),
    await addPerson('engineer@contoso.example', 'Erin Engineer', customer, 'member'),
  ];

  // The catalog and the demo order go through their services, as the bootstrap's ISV admin.
  const vendor: Caller = {
    principal: {
      user: { id: context.isvAdmin.id, email: context.isvAdmin.email, name: context.isvAdmin.name },
      via: 'session',
      scopes: SCOPES,
      memberships: [
        {
          groupId: context.rootGroup.id,
          groupPath: context.rootGroup.path,
          groupName: context.rootGroup.name,
          role: 'admin',
          isRoot: true,
        },
      ],
    },
    requestId: null,
  };
  const { clock, audit, random, masterKeys } = context;
  const catalog = await seedDemoCatalog(trx, { clock, audit, masterKeys }, vendor);
  const order = await seedDemoOrder(
    trx,
    { clock, audit, random, events: createEventSink(clock) },
    vendor,
    customer.id,
  );

  await context.audit.record(trx, {
    actor: SYSTEM_ACTOR,
    action: 'demo.seeded',
    subject: { type: 'group', id: reseller.id },
    groupPath: reseller.path,
    data: { groups: [DEMO_RESELLER, DEMO_CUSTOMER], users: users.map((u) => u.email) },
  });
  return {
    groups: [
      { name: DEMO_RESELLER, kind: 'reseller' },
      { name: DEMO_CUSTOMER, kind: 'customer' },
    ],
    users,
    password: context.people.password,
    firmCode: catalog.firmCode,
    products: catalog.products.map((p) => p.sku),
    tickets: order.tickets.map((t) => t.code),
  };
};
